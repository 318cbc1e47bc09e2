// The naive order app: POST /orders prices from its catalog copy, inserts the order and emits
// order.created with ClientProxy.emit; on inventory.reserved it sets CONFIRMED and emits
// order.confirmed. No outbox, no publisher confirms, no idempotency: the style this project
// started from, kept only as a baseline.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, EventPattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Db } from 'mongodb';
import { connectDb, DB, EVENTS, naiveEnv, rmq } from './naive-env';

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
  async create(@Body() body: { items: Line[] }) {
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
    this.events.emit('order.created', { orderId: id, createdAt, lines: body.items });
    return { id, status: 'PENDING', totalMinor };
  }

  @EventPattern('inventory.reserved')
  async reserved(@Payload() data: { orderId: string; createdAt: number }) {
    await this.db
      .collection<{ _id: string }>('orders')
      .updateOne({ _id: data.orderId }, { $set: { status: 'CONFIRMED' } });
    this.events.emit('order.confirmed', data);
  }
}

async function main(): Promise<void> {
  const { db } = await connectDb(env.mongoUri);
  @Module({
    imports: [ClientsModule.register([{ name: EVENTS, ...rmq(env.amqpUrl) }])],
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
  app.connectMicroservice(rmq(env.amqpUrl, 'naive.order-events'));
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.get<ClientProxy>(EVENTS).connect();
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`${new URL(await app.getUrl()).port}\n`);
}

void main();
