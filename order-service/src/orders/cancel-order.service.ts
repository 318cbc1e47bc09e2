// POST /orders/:id/cancel: the owner cancels a PENDING or CONFIRMED order.
import { Injectable } from '@nestjs/common';
import { cancelByCustomer, type Order } from '../domain/order';
import {
  notFoundProblem,
  type Principal,
  ProblemException,
  problemType,
} from '@eventshop/service-kit';
import { OrderTransitions } from './order-transitions';

@Injectable()
export class CancelOrderService {
  constructor(private readonly transitions: OrderTransitions) {}

  async cancel(principal: Principal, orderId: string): Promise<Order> {
    let foreign = false;
    const outcome = await this.transitions.apply(orderId, (order, now) => {
      if (order.userId !== principal.userId) {
        foreign = true;
        return { kind: 'unchanged', why: 'not the owner' };
      }
      return cancelByCustomer(order, now);
    });
    if (outcome.kind === 'not_found' || foreign)
      throw notFoundProblem(`order ${orderId} not found`);
    if (outcome.kind === 'refused') {
      throw new ProblemException({
        type: problemType('order-not-cancellable'),
        title: 'The order cannot be cancelled',
        status: 409,
        detail: outcome.why,
        orderStatus: outcome.order.status,
      });
    }
    return outcome.order;
  }
}
