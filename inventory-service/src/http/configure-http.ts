// HTTP concerns applied to the Fastify app: problem+json for every error (JSON bodies only),
// OpenAPI at /docs.
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { useProblemDetails } from '@eventshop/service-kit';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('EventShop inventory service')
    .setDescription(
      'Admin API of the catalog and stock. Writes need a JWT with the admin role; reads any ' +
        'valid token. Reservations are made from events, not over HTTP. Errors are RFC 9457 ' +
        'application/problem+json.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function configureHttp(app: NestFastifyApplication): OpenAPIObject {
  useProblemDetails(app);
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return document;
}
