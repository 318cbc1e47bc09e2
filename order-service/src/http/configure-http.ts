// HTTP concerns applied to the Fastify app: problem+json for every error, JSON bodies only,
// OpenAPI at /docs.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ProblemDetailsFilter } from './problem/problem-details.filter';

/** Request bodies are small JSON documents; anything bigger is refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function fastifyOptions() {
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    // `__proto__` / `constructor.prototype` in a body is an attack, not data: 400.
    onProtoPoisoning: 'error' as const,
    onConstructorPoisoning: 'error' as const,
    // Long URLs and deep query strings are refused rather than parsed.
    routerOptions: { maxParamLength: 200 },
  };
}

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

export function configureHttp(app: NestFastifyApplication): OpenAPIObject {
  app.useGlobalFilters(new ProblemDetailsFilter());
  // Only JSON bodies: a text/plain body is refused with 415 like any other media type.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return document;
}
