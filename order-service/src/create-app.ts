// Builds the Nest application on Fastify (used by main.ts and the tests).
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Registry } from 'prom-client';
import { AppModule } from './app.module';
import type { OrderServiceConfig } from './config/order-config';
import { configureHttp, fastifyOptions } from './http/configure-http';

export async function createOrderApp(
  config: OrderServiceConfig,
  options: { registry?: Registry; logger?: false } = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.registry),
    new FastifyAdapter(fastifyOptions()),
    // Fastify's own JSON parser only: Nest would add a form-body parser, and orders are JSON.
    { logger: options.logger ?? ['error', 'warn'], bufferLogs: false, bodyParser: false },
  );
  configureHttp(app);
  return app;
}
