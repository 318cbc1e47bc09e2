// HTTP concerns applied to the Fastify app before it starts: problem+json for every error, JSON
// bodies only, OpenAPI at /docs.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem/problem-details';
import { ProblemDetailsFilter } from './problem/problem-details.filter';

/** Request bodies are small JSON documents; anything bigger is refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

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
  app.useGlobalFilters(new ProblemDetailsFilter());
  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON only. Fastify and Nest also parse text and form bodies; refuse those (and
  // any other media type) with 415 before a parser runs.
  fastify.addHook('onRequest', async (request, reply) => {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    const type = request.headers['content-type'];
    if (hasBody && type !== undefined && !JSON_MEDIA_TYPE.test(type)) {
      return reply
        .code(415)
        .type(PROBLEM_CONTENT_TYPE)
        .send({
          type: problemType('unsupported-media-type'),
          title: 'Unsupported Media Type',
          status: 415,
          detail: 'request bodies must be application/json',
          instance: request.url.split('?')[0],
        });
    }
  });
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/json' });
}
