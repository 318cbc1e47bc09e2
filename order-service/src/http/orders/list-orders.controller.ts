import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ORDER_STATUSES, type OrderStatus } from '../../domain/order';
import { QueryOrdersService } from '../../orders/query-orders.service';
import {
  CurrentUser,
  type FieldProblem,
  JwtAuthGuard,
  type Principal,
  validationProblem,
} from '@eventshop/service-kit';
import { ApiProblemResponses } from '../problem/api-problem-responses';
import { OrderPageDto, toOrderDto } from './order.dto';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
@UseGuards(JwtAuthGuard)
export class ListOrdersController {
  constructor(private readonly service: QueryOrdersService) {}

  @Get()
  @ApiQuery({ name: 'status', required: false, enum: ORDER_STATUSES })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  })
  @ApiQuery({ name: 'cursor', required: false, description: '`nextCursor` of the previous page' })
  @ApiOkResponse({ type: OrderPageDto, description: "The caller's orders, newest first" })
  @ApiProblemResponses(400, 401)
  async list(
    @CurrentUser() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<OrderPageDto> {
    const errors: FieldProblem[] = [];
    const { status, limit, cursor } = query;
    if (status !== undefined && !ORDER_STATUSES.includes(status as OrderStatus)) {
      errors.push({ path: 'status', message: `must be one of ${ORDER_STATUSES.join(', ')}` });
    }
    let pageSize = DEFAULT_PAGE_SIZE;
    if (limit !== undefined) {
      pageSize = typeof limit === 'string' && /^\d{1,3}$/.test(limit) ? Number(limit) : 0;
      if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        errors.push({ path: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` });
      }
    }
    if (cursor !== undefined && typeof cursor !== 'string') {
      errors.push({ path: 'cursor', message: 'must be given once' });
    }
    if (errors.length > 0) throw validationProblem(errors);
    const page = await this.service.list(principal, {
      limit: pageSize,
      ...(status !== undefined ? { status: status as OrderStatus } : {}),
      ...(typeof cursor === 'string' ? { cursor } : {}),
    });
    return {
      items: page.orders.map(toOrderDto),
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    };
  }
}
