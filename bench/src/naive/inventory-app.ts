// The naive inventory app: on order.created it takes the stock of each line (read, then $inc by
// _id) and emits inventory.reserved with ClientProxy.emit. No idempotency: a redelivery reserves
// twice. A baseline only.
import 'reflect-metadata';
import { Controller, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, EventPattern, Payload, type ClientProxy } from '@nestjs/microservices';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { Db } from 'mongodb';
import { connectDb, DB, EVENTS, isEqualWork, naiveEnv, rmq } from './naive-env';

const env = naiveEnv();

@Controller()
class ReserveController {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(EVENTS) private readonly events: ClientProxy,
  ) {}

  @EventPattern('order.created')
  async created(
    @Payload()
    data: {
      orderId: string;
      createdAt: number;
      email?: string;
      lines: { sku: string; quantity: number; unitPriceMinor: number }[];
      totalMinor: number;
    },
  ) {
    const products = this.db.collection<{ _id: string; available: number }>('products');
    for (const line of data.lines) {
      const product = await products.findOne({ _id: line.sku });
      if (!product || product.available < line.quantity) return;
      await products.updateOne(
        { _id: line.sku },
        { $inc: { available: -line.quantity, reserved: line.quantity } },
      );
    }
    this.events.emit('inventory.reserved', {
      orderId: data.orderId,
      createdAt: data.createdAt,
      email: data.email,
      // what the confirmation e-mail shows, passed along as the reliable events carry it
      lines: data.lines,
      totalMinor: data.totalMinor,
    });
  }
}

async function main(): Promise<void> {
  const { db } = await connectDb(env.mongoUri);
  @Module({
    imports: [
      ClientsModule.register([{ name: EVENTS, ...rmq(env.amqpUrl, undefined, isEqualWork(env)) }]),
    ],
    controllers: [ReserveController],
    providers: [{ provide: DB, useValue: db }],
  })
  class InventoryAppModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(InventoryAppModule, {
    ...rmq(env.amqpUrl, 'naive.inventory-events', isEqualWork(env)),
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen();
  await app.get<ClientProxy>(EVENTS).connect();
  process.stdout.write('ready\n');
}

void main();
