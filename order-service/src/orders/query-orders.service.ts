// GET /orders/:id and GET /orders: owners see their orders, admins any order; another user's
// order is "not found", never "forbidden", so ids leak nothing.
import { Injectable } from '@nestjs/common';
import type { Order, OrderStatus } from '../domain/order';
import { notFoundProblem, type Principal, validationProblem } from '@eventshop/service-kit';
import {
  InvalidCursorError,
  OrdersRepository,
  type OrderPage,
} from '../persistence/orders.repository';

@Injectable()
export class QueryOrdersService {
  constructor(private readonly orders: OrdersRepository) {}

  async get(principal: Principal, orderId: string): Promise<Order> {
    const stored = await this.orders.findById(orderId);
    if (
      stored === undefined ||
      (stored.order.userId !== principal.userId && !principal.roles.includes('admin'))
    ) {
      throw notFoundProblem(`order ${orderId} not found`);
    }
    return stored.order;
  }

  async list(
    principal: Principal,
    query: { status?: OrderStatus; limit: number; cursor?: string },
  ): Promise<OrderPage> {
    try {
      return await this.orders.listForUser(principal.userId, query);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        throw validationProblem([{ path: 'cursor', message: err.message }]);
      }
      throw err;
    }
  }
}
