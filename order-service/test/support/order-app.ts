// Starts the order service in-process against this run's own database, and helps tests talk to
// it over HTTP (Fastify's inject: the full HTTP pipeline without a socket).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { LightMyRequestResponse } from 'fastify';
import { createOrderApp } from '../../src/create-app';
import { ORDER_MODEL, type OrderDocument } from '../../src/persistence/order.schema';
import { CatalogRepository } from '../../src/persistence/catalog.repository';
import {
  IDEMPOTENCY_KEY_MODEL,
  type IdempotencyKeyDocument,
} from '../../src/persistence/idempotency-key.schema';
import type { CatalogEntry } from '../../src/domain/catalog';
import { testDatabaseUri } from './infra-env';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, token, type TokenOptions } from './tokens';

export interface TestApp {
  app: NestFastifyApplication;
  orders: Model<OrderDocument>;
  keys: Model<IdempotencyKeyDocument>;
  request(options: {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
    url: string;
    user?: TokenOptions | null;
    body?: unknown;
    rawBody?: string | Buffer;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  seedCatalog(entries: Partial<CatalogEntry>[]): Promise<void>;
  close(): Promise<void>;
}

export async function startOrderApp(
  name: string,
  overrides: { pendingTimeoutMs?: number; sweepIntervalMs?: number } = {},
): Promise<TestApp> {
  const app = await createOrderApp(
    {
      port: 0,
      mongodbUri: testDatabaseUri(name),
      amqpUrl: 'amqp://127.0.0.1:5672',
      logLevel: 'warn',
      auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, hs256Secret: TEST_SECRET },
      pendingTimeoutMs: overrides.pendingTimeoutMs ?? 15 * 60 * 1000,
      sweepIntervalMs: overrides.sweepIntervalMs ?? 60 * 60 * 1000,
    },
    { logger: false },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const orders = app.get<Model<OrderDocument>>(getModelToken(ORDER_MODEL));
  const keys = app.get<Model<IdempotencyKeyDocument>>(getModelToken(IDEMPOTENCY_KEY_MODEL));
  const catalog = app.get(CatalogRepository);
  return {
    app,
    orders,
    keys,
    async request({ method, url, user, body, rawBody, headers = {} }) {
      const all: Record<string, string> = { ...headers };
      if (user !== null) all['authorization'] ??= `Bearer ${await token(user ?? {})}`;
      if (body !== undefined) all['content-type'] ??= 'application/json';
      return app.inject({
        method,
        url,
        headers: all,
        ...(rawBody !== undefined ? { payload: rawBody } : {}),
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    },
    async seedCatalog(entries) {
      for (const e of entries) {
        await catalog.applyIfNewer(
          {
            sku: e.sku ?? 'SKU-1',
            name: e.name ?? `Product ${e.sku}`,
            priceMinor: e.priceMinor ?? 1000,
            currency: e.currency ?? 'EUR',
            active: e.active ?? true,
            version: e.version ?? 1,
          },
          new Date(),
        );
      }
    },
    async close() {
      await orders.db.dropDatabase().catch(() => undefined);
      await app.close();
    },
  };
}

export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}
