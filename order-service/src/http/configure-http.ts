// HTTP concerns applied to the Fastify app before it starts: problem+json for every error, JSON
// bodies only, OpenAPI at /docs.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { useProblemDetails } from '@eventshop/service-kit';

/** Request bodies are small JSON documents; anything bigger is refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('EventShop order service')
    .setDescription(
      'Create, read and cancel orders. Orders are priced from the catalog copy and confirmed or ' +
        'rejected asynchronously by inventory. Errors are RFC 9457 application/problem+json.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Passed to the kit's `createServiceApp` / `startService` as `configure`. */
export function configureHttp(app: NestFastifyApplication): void {
  useProblemDetails(app);
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/json' });
}
