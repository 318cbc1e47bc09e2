// Load shedding of POST /orders by the saga's delay (docs/decisions/0038): inventory's answers
// feed the gate, the create route asks it before any other work. One gate per replica; each sees
// the outcomes of orders from every replica, so they agree without talking.
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@eventshop/service-kit';
import type { OrderConfig } from '../config/order-env';
import { OrderStatus } from '../domain/order';
import { SagaDelayGate, type SagaDelayVerdict } from '../domain/saga-delay-gate';
import { OrderMetrics } from '../metrics/order-metrics';
import type { TransitionOutcome } from './order-transitions';

@Injectable()
export class SagaAdmission {
  private readonly gate: SagaDelayGate;

  constructor(
    @InjectConfig() config: Pick<OrderConfig, 'ORDER_MAX_SAGA_DELAY'>,
    private readonly metrics: OrderMetrics,
  ) {
    this.gate = new SagaDelayGate(config.ORDER_MAX_SAGA_DELAY);
  }

  get maxDelayMs(): number {
    return this.gate.maxDelayMs;
  }

  /** Inventory answered: the saga's delay counts only when the answer moved a PENDING order
   * (not a duplicate, not a late answer; timeouts never come here). */
  answered(outcome: TransitionOutcome, now = Date.now()): void {
    if (outcome.kind !== 'changed' || outcome.before.status !== OrderStatus.Pending) return;
    this.gate.sagaEnded(now - outcome.before.createdAt.getTime(), now);
  }

  /** A new order was stored (not a replay). */
  accepted(now = Date.now()): void {
    this.gate.accepted(now);
  }

  /** Undefined admits a new order; a verdict refuses it (counted). */
  refusal(now = Date.now()): SagaDelayVerdict | undefined {
    const verdict = this.gate.refusal(now);
    if (verdict !== undefined) this.metrics.shed();
    return verdict;
  }
}
