import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdjustStockService } from '../../catalog/adjust-stock.service';
import { toProductView, type ProductView } from '../../catalog/product-view';
import { PutProductService } from '../../catalog/put-product.service';
import { ProductsRepository } from '../../persistence/products.repository';
import {
  conflictProblem,
  JwtAuthGuard,
  notFoundProblem,
  principalOf,
  Roles,
  validationProblem,
  type AuthedRequest,
} from '@eventshop/service-kit';
import {
  ProblemResponse,
  ProductPage,
  ProductResponse,
  PutProductBody,
  StockAdjustmentBody,
  StockAdjustmentResponse,
  StockAdjustmentTrail,
} from './product.dto';
import { orThrow, parseAdjustment, parsePage, parsePutProduct, parseSku } from './product-requests';

const problem = (status: number, description: string) =>
  ApiResponse({
    status,
    description,
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemResponse) } } },
  });

/** The admin API of the catalog and stock. Writes need the `admin` role; reads any valid token. */
@ApiTags('products')
@ApiBearerAuth()
@ApiExtraModels(ProblemResponse)
@problem(401, 'Missing, expired or invalid token')
@UseGuards(JwtAuthGuard)
@Controller('products')
export class ProductsController {
  constructor(
    private readonly putProduct: PutProductService,
    private readonly adjustStock: AdjustStockService,
    private readonly products: ProductsRepository,
  ) {}

  @Put(':sku')
  @Roles('admin')
  @ApiOperation({
    summary: 'Create or update a product',
    description: 'Emits inventory.product-updated.v1 when anything changed (version + 1).',
  })
  @ApiBody({ type: PutProductBody })
  @ApiResponse({ status: 201, type: ProductResponse, description: 'Created (version 1)' })
  @ApiOkResponse({ type: ProductResponse, description: 'Updated, or unchanged' })
  @problem(400, 'Invalid SKU or body')
  @problem(403, 'Needs the admin role')
  async put(
    @Param('sku') rawSku: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductView> {
    const sku = parseSku(rawSku);
    const details = orThrow(parsePutProduct(body));
    const result = await this.putProduct.put(sku, details);
    void reply.status(result.created ? 201 : 200);
    return result.product;
  }

  @Post(':sku/stock-adjustments')
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Restock or write off units',
    description: 'Recorded in the audit trail. A write-off may take only units that are free.',
  })
  @ApiBody({ type: StockAdjustmentBody })
  @ApiResponse({ status: 201, type: StockAdjustmentResponse })
  @problem(400, 'Invalid SKU or body')
  @problem(403, 'Needs the admin role')
  @problem(404, 'No such product')
  @problem(409, 'The write-off is larger than what is free')
  async adjust(
    @Param('sku') rawSku: string,
    @Body() body: unknown,
    @Req() request: AuthedRequest,
  ): Promise<StockAdjustmentResponse> {
    const sku = parseSku(rawSku);
    const { delta, reason } = orThrow(parseAdjustment(body));
    const result = await this.adjustStock.adjust(sku, delta, reason, principalOf(request).userId);
    if (result.ok) return { adjustmentId: result.adjustmentId, product: result.product };
    switch (result.reason) {
      case 'not_found':
        throw notFoundProblem(`no product ${sku}`);
      case 'invalid_delta':
        throw validationProblem([{ path: '/delta', message: result.detail }]);
      case 'below_free_stock':
        throw conflictProblem(
          'below-free-stock',
          `only ${result.available} units of ${sku} are free; reserved units cannot be written off`,
          { available: result.available },
        );
    }
  }

  @Get(':sku/stock-adjustments')
  @Roles('admin')
  @ApiOperation({ summary: 'The audit trail of stock adjustments, newest first' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  })
  @ApiOkResponse({ type: StockAdjustmentTrail })
  @problem(400, 'Invalid SKU or limit')
  @problem(403, 'Needs the admin role')
  @problem(404, 'No such product')
  async trail(
    @Param('sku') rawSku: string,
    @Query() query: Record<string, unknown>,
  ): Promise<StockAdjustmentTrail> {
    const sku = parseSku(rawSku);
    const { limit } = orThrow(parsePage({ limit: query['limit'] }));
    if (!(await this.products.findBySku(sku))) throw notFoundProblem(`no product ${sku}`);
    const entries = await this.products.adjustmentsOf(sku, limit);
    return {
      items: entries.map((a) => ({
        id: a._id,
        delta: a.delta,
        reason: a.reason,
        actor: a.actor,
        status: a.status,
        ...(a.onHandAfter !== undefined ? { onHandAfter: a.onHandAfter } : {}),
        ...(a.availableAfter !== undefined ? { availableAfter: a.availableAfter } : {}),
        createdAt: new Date(a.createdAt).toISOString(),
      })),
    };
  }

  @Get(':sku')
  @ApiOperation({ summary: 'A product with its price and stock' })
  @ApiOkResponse({ type: ProductResponse })
  @problem(400, 'Invalid SKU')
  @problem(404, 'No such product')
  async get(@Param('sku') rawSku: string): Promise<ProductView> {
    const sku = parseSku(rawSku);
    const doc = await this.products.findBySku(sku);
    if (!doc) throw notFoundProblem(`no product ${sku}`);
    return toProductView(doc);
  }

  @Get()
  @ApiOperation({ summary: 'Products by SKU, a page at a time' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  })
  @ApiQuery({ name: 'after', required: false, description: 'nextAfter of the previous page' })
  @ApiOkResponse({ type: ProductPage })
  @problem(400, 'Invalid limit or after')
  async list(@Query() query: Record<string, unknown>): Promise<ProductPage> {
    const { limit, after } = orThrow(parsePage(query));
    const docs = await this.products.list(after, limit + 1);
    const items = docs.slice(0, limit).map(toProductView);
    const last = items[items.length - 1];
    return docs.length > limit && last ? { items, nextAfter: last.sku } : { items };
  }
}
