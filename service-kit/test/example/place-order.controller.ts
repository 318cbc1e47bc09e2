import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { EventTypes } from '@eventshop/events-contracts';
import { EventFactory, OutboxWriter } from '../../src';
import { ExampleOrder } from './example.schemas';

/** POST /orders: the order and its `order.created.v1` in one insert; the write is the acceptance. */
@Controller('orders')
export class PlaceOrderController {
  constructor(
    @InjectModel(ExampleOrder.name) private readonly orders: Model<ExampleOrder>,
    private readonly outbox: OutboxWriter,
    private readonly events: EventFactory,
  ) {}

  @Post()
  @HttpCode(201)
  async place(@Body() body: { id?: string; userId?: string }): Promise<{ id: string }> {
    const id = body.id ?? randomUUID();
    const line = { sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 };
    const event = this.events.create(EventTypes.OrderCreatedV1, {
      subject: id,
      data: {
        orderId: id,
        userId: body.userId ?? 'user-1',
        email: 'user@example.com',
        currency: 'EUR',
        totalMinor: 500,
        lines: [line],
        createdAt: new Date().toISOString(),
      },
    });
    await this.outbox.insert(this.orders, { _id: id, status: 'PENDING', totalMinor: 500 }, [event]);
    return { id };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<{ id: string; status: string }> {
    const order = await this.orders.findById(id).lean();
    if (!order) throw new NotFoundException();
    return { id: order._id, status: order.status };
  }
}
