// Starts inventory-service against the real broker and database in a scope of its own (vhost
// and database per test file), and talks to it the way the rest of the system does: events on
// the exchange, HTTP with real JWTs.
import { getModelToken } from '@nestjs/mongoose';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { SignJWT } from 'jose';
import type { Model } from 'mongoose';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  createEvent,
  EVENTS_EXCHANGE,
  EventTypes,
  type AnyCloudEvent,
  type CloudEvent,
  type OrderLine,
} from '@eventshop/events-contracts';
import { createServiceApp, MetricsService } from '@eventshop/service-kit';
import { testInfra } from '@eventshop/service-kit/testing';
import { AppModule } from '../../src/app.module';
import { configureHttp } from '../../src/http/configure-http';
import { Product } from '../../src/persistence/product.schema';
import { Reservation } from '../../src/persistence/reservation.schema';
import { StockAdjustment } from '../../src/persistence/stock-adjustment.schema';
import { SwitchableCrashPoints } from '../../src/reservations/switchable-crash-points';

export const AUTH = {
  AUTH_ISSUER: 'https://id.eventshop.test/',
  AUTH_AUDIENCE: 'eventshop',
  AUTH_HS256_SECRET: 'integration-tests-only-secret-0123456789abcdef',
};

export interface HttpResult {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read loosely; the assertions check them
  json: any;
}

export interface InventoryUnderTest {
  readonly app: NestFastifyApplication;
  readonly products: Model<Product>;
  readonly reservations: Model<Reservation>;
  readonly adjustments: Model<StockAdjustment>;
  readonly crashPoints: SwitchableCrashPoints;
  /** Every inventory.* event seen on the exchange since start, in arrival order. */
  readonly outcomes: AnyCloudEvent[];
  readonly databaseServer: string;
  publish(event: AnyCloudEvent): Promise<void>;
  http(
    method: 'GET' | 'PUT' | 'POST',
    url: string,
    options?: { body?: unknown; token?: string | null },
  ): Promise<HttpResult>;
  /** Messages of a type the service acknowledged (its consumer metric, outcome ack). */
  acked(type: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startInventory(
  name: string,
  env: Record<string, string> = {},
  options: { monitorCommands?: boolean } = {},
): Promise<InventoryUnderTest> {
  const infra = await testInfra();
  const scope = await infra.scope(name);
  const mongoUri = scope.env['MONGODB_URI']!;
  const app = await createServiceApp(AppModule, {
    env: {
      ...scope.env,
      // The driver emits commandStarted etc. on the service's own client only when asked at start.
      ...(options.monitorCommands
        ? { MONGODB_URI: `${mongoUri}${mongoUri.includes('?') ? '&' : '?'}monitorCommands=true` }
        : {}),
      ...AUTH,
      LOG_LEVEL: 'warn',
      RETRY_DELAYS: '200ms,500ms,1s',
      ...env,
    },
    configure: (a) => void configureHttp(a),
  });

  const connection: ChannelModel = await amqp.connect(scope.env['AMQP_URL']!);
  const publisher: ConfirmChannel = await connection.createConfirmChannel();
  const listener: Channel = await connection.createChannel();
  const outcomes: AnyCloudEvent[] = [];
  const { queue } = await listener.assertQueue('', { exclusive: true, autoDelete: true });
  await listener.bindQueue(queue, EVENTS_EXCHANGE, 'inventory.#');
  await listener.consume(
    queue,
    (message) => {
      if (message) outcomes.push(JSON.parse(message.content.toString('utf8')) as AnyCloudEvent);
    },
    { noAck: true },
  );

  const metrics = app.get(MetricsService);
  const products = app.get<Model<Product>>(getModelToken(Product.name));
  const buildInfo = await products.db.db!.admin().command({ buildInfo: 1 });
  const server = (buildInfo['ferretdbVersion'] as string | undefined)
    ? `FerretDB ${buildInfo['ferretdbVersion'] as string} (MongoDB wire ${buildInfo['version'] as string})`
    : `MongoDB ${buildInfo['version'] as string}`;

  return {
    app,
    products,
    reservations: app.get<Model<Reservation>>(getModelToken(Reservation.name)),
    adjustments: app.get<Model<StockAdjustment>>(getModelToken(StockAdjustment.name)),
    crashPoints: app.get(SwitchableCrashPoints),
    outcomes,
    databaseServer: server,
    async publish(event) {
      publisher.publish(EVENTS_EXCHANGE, event.type, Buffer.from(JSON.stringify(event)), {
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        messageId: event.id,
        persistent: true,
      });
      await publisher.waitForConfirms();
    },
    async http(method, url, options = {}) {
      const token =
        options.token === undefined ? await tokenFor('admin-1', ['admin']) : options.token;
      const response = await app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
      });
      const text = response.body;
      return {
        status: response.statusCode,
        headers: response.headers,
        json:
          text.length > 0 && /json/.test(String(response.headers['content-type']))
            ? JSON.parse(text)
            : undefined,
      };
    },
    async acked(type) {
      const metric = metrics.registry.getSingleMetric('eventshop_events_consumed_total');
      if (!metric) return 0;
      const { values } = await metric.get();
      return values
        .filter((v) => v.labels['type'] === type && v.labels['outcome'] === 'ack')
        .reduce((sum, v) => sum + v.value, 0);
    },
    async stop() {
      await listener.close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await app.close();
      await scope.dispose();
    },
  };
}

export async function tokenFor(
  userId: string,
  roles: string[],
  overrides: { audience?: string; expiresIn?: string | number; secret?: string } = {},
): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(AUTH.AUTH_ISSUER)
    .setAudience(overrides.audience ?? AUTH.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(overrides.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(overrides.secret ?? AUTH.AUTH_HS256_SECRET));
}

export function orderCreated(
  orderId: string,
  lines: { sku: string; quantity: number }[],
): CloudEvent<'order.created.v1'> {
  const orderLines: OrderLine[] = lines.map((l) => ({ ...l, unitPriceMinor: 100 }));
  return createEvent(EventTypes.OrderCreatedV1, {
    source: '/order-service',
    subject: orderId,
    data: {
      orderId,
      userId: 'user-1',
      email: 'user-1@example.test',
      currency: 'EUR',
      totalMinor: orderLines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0),
      lines: orderLines,
      createdAt: new Date().toISOString(),
    },
  });
}

export function orderConfirmed(
  orderId: string,
  lines: { sku: string; quantity: number }[],
): CloudEvent<'order.confirmed.v1'> {
  const orderLines: OrderLine[] = lines.map((l) => ({ ...l, unitPriceMinor: 100 }));
  return createEvent(EventTypes.OrderConfirmedV1, {
    source: '/order-service',
    subject: orderId,
    data: {
      orderId,
      userId: 'user-1',
      email: 'user-1@example.test',
      currency: 'EUR',
      totalMinor: orderLines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0),
      lines: orderLines,
    },
  });
}

export function orderCancelled(
  orderId: string,
  lines: { sku: string; quantity: number }[],
): CloudEvent<'order.cancelled.v1'> {
  const orderLines: OrderLine[] = lines.map((l) => ({ ...l, unitPriceMinor: 100 }));
  return createEvent(EventTypes.OrderCancelledV1, {
    source: '/order-service',
    subject: orderId,
    data: {
      orderId,
      userId: 'user-1',
      email: 'user-1@example.test',
      currency: 'EUR',
      totalMinor: orderLines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0),
      lines: orderLines,
      reason: 'customer',
    },
  });
}

/** Polls until `check` returns a value (not undefined/false) or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates a product and brings its stock to `units` through the admin API. */
export async function seedProduct(
  inventory: InventoryUnderTest,
  sku: string,
  units: number,
  active = true,
): Promise<void> {
  const put = await inventory.http('PUT', `/products/${sku}`, {
    body: { name: `Product ${sku}`, priceMinor: 100, currency: 'EUR', active },
  });
  if (put.status !== 201 && put.status !== 200) throw new Error(`seed ${sku}: ${put.status}`);
  if (units > 0) {
    const adjusted = await inventory.http('POST', `/products/${sku}/stock-adjustments`, {
      body: { delta: units, reason: 'seed' },
    });
    if (adjusted.status !== 201) throw new Error(`seed stock ${sku}: ${adjusted.status}`);
  }
}
