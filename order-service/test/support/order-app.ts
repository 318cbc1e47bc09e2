// Starts the order service in-process on this test file's own vhost and database (the kit's
// test harness), and helps tests talk to it: HTTP through Fastify's inject (the whole HTTP
// pipeline without a socket), events through the real broker.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { LightMyRequestResponse } from 'fastify';
import { createServiceApp } from '@eventshop/service-kit';
import { testInfra, type TestScope } from '@eventshop/service-kit/testing';
import { AppModule } from '../../src/app.module';
import type { CatalogEntry } from '../../src/domain/catalog';
import { BODY_LIMIT_BYTES, configureHttp } from '../../src/http/configure-http';
import { CatalogRepository } from '../../src/persistence/catalog.repository';
import {
  IDEMPOTENCY_KEY_MODEL,
  type IdempotencyKeyDocument,
} from '../../src/persistence/idempotency-key.schema';
import { ORDER_MODEL, type OrderDocument } from '../../src/persistence/order.schema';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, token, type TokenOptions } from './tokens';

export interface TestApp {
  app: NestFastifyApplication;
  scope: TestScope;
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

export function orderEnvFor(
  scope: TestScope,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    ...scope.env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    AUTH_HS256_SECRET: TEST_SECRET,
    AUTH_JWKS_URL: '',
    RETRY_DELAYS: '200ms,500ms',
    // Most suites place many orders as one customer; the abuse-limit tests set their own limits.
    ORDER_RATE_LIMIT: '100000',
    ORDER_MAX_OPEN_PER_USER: '100000',
    ...env,
  };
}

export async function startOrderApp(
  name: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const infra = await testInfra();
  const scope = await infra.scope(name);
  try {
    return await startOrderAppIn(scope, env, { ownsScope: true });
  } catch (err) {
    await scope.dispose();
    throw err;
  }
}

/**
 * Another replica: the service on an existing scope (same database and vhost, so it competes for
 * the same queues). Its `close` leaves the scope to its owner.
 */
export async function startOrderReplica(
  scope: TestScope,
  env: Record<string, string> = {},
): Promise<TestApp> {
  return startOrderAppIn(scope, env, { ownsScope: false });
}

async function startOrderAppIn(
  scope: TestScope,
  env: Record<string, string>,
  { ownsScope }: { ownsScope: boolean },
): Promise<TestApp> {
  const app = await createServiceApp(AppModule, {
    env: orderEnvFor(scope, env),
    configure: configureHttp,
    bodyLimit: BODY_LIMIT_BYTES,
  });
  await app.getHttpAdapter().getInstance().ready();
  const orders = app.get<Model<OrderDocument>>(getModelToken(ORDER_MODEL));
  const keys = app.get<Model<IdempotencyKeyDocument>>(getModelToken(IDEMPOTENCY_KEY_MODEL));
  const catalog = app.get(CatalogRepository);
  return {
    app,
    scope,
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
      await app.close();
      if (ownsScope) await scope.dispose();
    },
  };
}

export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}
