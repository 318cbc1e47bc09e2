// The naive order app: POST /orders prices from its catalog copy, inserts the order and emits
// order.created with ClientProxy.emit; on inventory.reserved it sets CONFIRMED and emits
// order.confirmed. No outbox, no publisher confirms, no idempotency: the style this project
// started from, kept only as a baseline.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Module,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, EventPattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Db } from 'mongodb';
import { verifyHs256 } from './hs256';
import { connectDb, DB, EVENTS, isEqualWork, naiveEnv, rmq } from './naive-env';

interface Line {
  sku: string;
  quantity: number;
}

const env = naiveEnv();

@Controller()
class OrdersController {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(EVENTS) private readonly events: ClientProxy,
  ) {}

  @Post('orders')
  @HttpCode(201)
  async create(@Body() body: { items: Line[] }, @Headers('authorization') authorization?: string) {
    // The equal-work variant checks the customer's token, as the order service does.
    let email: string | undefined;
    if (env.jwtSecret !== undefined) {
      const claims = verifyHs256(env.jwtSecret, authorization?.replace(/^Bearer /, '') ?? '');
      if (!claims) throw new UnauthorizedException();
      email = typeof claims.email === 'string' ? claims.email : undefined;
    }
    const catalog = this.db.collection<{ _id: string; priceMinor: number }>('catalog');
    const prices = await Promise.all(body.items.map((i) => catalog.findOne({ _id: i.sku })));
    const lines = body.items.map((i, n) => ({ ...i, unitPriceMinor: prices[n]?.priceMinor ?? 0 }));
    const id = randomUUID();
    const createdAt = Date.now();
    const totalMinor = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
    await this.db.collection('orders').insertOne({
      _id: id as never,
      lines,
      totalMinor,
      status: 'PENDING',
      createdAt: new Date(createdAt),
    });
    this.events.emit('order.created', { orderId: id, createdAt, lines, totalMinor, email });
    return { id, status: 'PENDING', totalMinor };
  }

  @EventPattern('inventory.reserved')
  async reserved(@Payload() data: { orderId: string; createdAt: number; email?: string }) {
    await this.db
      .collection<{ _id: string }>('orders')
      .updateOne({ _id: data.orderId }, { $set: { status: 'CONFIRMED' } });
    this.events.emit('order.confirmed', data);
  }
}

async function main(): Promise<void> {
  const { db } = await connectDb(env.mongoUri);
  const equal = isEqualWork(env);
  @Module({
    imports: [ClientsModule.register([{ name: EVENTS, ...rmq(env.amqpUrl, undefined, equal) }])],
    controllers: [OrdersController],
    providers: [{ provide: DB, useValue: db }],
  })
  class OrderAppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(
    OrderAppModule,
    new FastifyAdapter(),
    {
      logger: ['error', 'warn'],
    },
  );
  app.connectMicroservice(rmq(env.amqpUrl, 'naive.order-events', equal));
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.get<ClientProxy>(EVENTS).connect();
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`${new URL(await app.getUrl()).port}\n`);
}

void main();
