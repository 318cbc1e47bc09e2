// Builds the OpenAPI document from the controllers alone (no database, no broker), so the
// committed openapi.json can be regenerated and checked anywhere.
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AdjustStockService } from '../../src/catalog/adjust-stock.service';
import { PutProductService } from '../../src/catalog/put-product.service';
import { JwtAuthGuard, JwtVerifier } from '@eventshop/service-kit';
import { buildOpenApiDocument } from '../../src/http/configure-http';
import { ProductsController } from '../../src/http/products/products.controller';
import { ProductsRepository } from '../../src/persistence/products.repository';

export const OPENAPI_FILE = 'openapi.json';

export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const moduleRef = await Test.createTestingModule({
    controllers: [ProductsController],
    providers: [
      JwtAuthGuard,
      { provide: JwtVerifier, useValue: {} },
      { provide: PutProductService, useValue: {} },
      { provide: AdjustStockService, useValue: {} },
      { provide: ProductsRepository, useValue: {} },
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The document as committed: stable key order, two-space indent, trailing newline. */
export function serializeOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
