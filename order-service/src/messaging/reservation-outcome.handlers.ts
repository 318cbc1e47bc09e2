// inventory.reserved.v1 / inventory.reservation-failed.v1 → the saga's next step, each a guarded
// single-document transition: a duplicate or a contradicting second answer decides "unchanged".
import { Injectable, Logger } from '@nestjs/common';
import type { CloudEvent } from '@eventshop/events-contracts';
import type { EventHandler } from '@eventshop/service-kit';
import { applyReservationFailed, applyReserved } from '../domain/order';
import { OrderTransitions, type TransitionOutcome } from '../orders/order-transitions';
import { SagaAdmission } from '../orders/saga-admission';
import { UnknownOrderError } from './unknown-order.error';

function describe(outcome: TransitionOutcome): string {
  switch (outcome.kind) {
    case 'changed':
      return `${outcome.before.status} → ${outcome.order.status}`;
    case 'not_found':
      return 'unknown order';
    default:
      return `${outcome.kind}: ${outcome.why}`;
  }
}

@Injectable()
export class InventoryReservedHandler implements EventHandler<'inventory.reserved.v1'> {
  private readonly logger = new Logger(InventoryReservedHandler.name);

  constructor(
    private readonly transitions: OrderTransitions,
    private readonly admission: SagaAdmission,
  ) {}

  async handle(event: CloudEvent<'inventory.reserved.v1'>): Promise<void> {
    const orderId = event.data.orderId;
    const outcome = await this.transitions.apply(orderId, applyReserved);
    if (outcome.kind === 'not_found') throw new UnknownOrderError(orderId, event.type);
    this.admission.answered(outcome);
    this.logger.log(`order ${orderId} reserved: ${describe(outcome)}`);
  }
}

@Injectable()
export class ReservationFailedHandler implements EventHandler<'inventory.reservation-failed.v1'> {
  private readonly logger = new Logger(ReservationFailedHandler.name);

  constructor(
    private readonly transitions: OrderTransitions,
    private readonly admission: SagaAdmission,
  ) {}

  async handle(event: CloudEvent<'inventory.reservation-failed.v1'>): Promise<void> {
    const { orderId, reason, shortLines } = event.data;
    const outcome = await this.transitions.apply(orderId, (order, now) =>
      applyReservationFailed(order, { reason, shortLines }, now),
    );
    if (outcome.kind === 'not_found') throw new UnknownOrderError(orderId, event.type);
    this.admission.answered(outcome);
    this.logger.log(`order ${orderId} reservation failed (${reason}): ${describe(outcome)}`);
  }
}
