import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { EventTypes, type CloudEvent } from '@eventshop/events-contracts';
import {
  EventFactory,
  InjectConfig,
  OutboxWriter,
  PermanentError,
  type EventHandler,
  type KitConfig,
  type MessageContext,
} from '../../src';
import { LedgerEntry } from './example.schemas';
import type { exampleEnv } from './example.module';

/** Test switches, driven by the order's userId. */
export const Behaviour = {
  /** Orders whose handler throws until removed from this set. */
  failing: new Set<string>(),
};

/**
 * Consumes `order.created.v1`: records the order in the ledger and emits `order.confirmed.v1`
 * from the ledger entry's outbox, in one guarded write. Idempotent by itself: the update only
 * matches if this event id was not applied yet, and an upsert racing an existing entry hits the
 * unique `_id`. Every run is also logged (non-idempotently) so tests can count runs.
 */
@Injectable()
export class RecordOrderHandler implements EventHandler<'order.created.v1'> {
  constructor(
    @InjectModel(LedgerEntry.name) private readonly ledger: Model<LedgerEntry>,
    @InjectConnection() private readonly connection: Connection,
    private readonly outbox: OutboxWriter,
    private readonly events: EventFactory,
    @InjectConfig() private readonly config: KitConfig<typeof exampleEnv>,
  ) {}

  async handle(event: CloudEvent<'order.created.v1'>, ctx: MessageContext): Promise<void> {
    const { orderId, userId } = event.data;
    await this.connection
      .collection('example_handler_runs')
      .insertOne({ eventId: event.id, orderId, attempt: ctx.attempt, at: new Date() });
    if (this.config.EXAMPLE_HANDLER_DELAY_MS > 0) {
      await new Promise((r) => setTimeout(r, this.config.EXAMPLE_HANDLER_DELAY_MS));
    }
    if (userId === 'fail-twice' && ctx.attempt <= 2)
      throw new Error(`transient (attempt ${ctx.attempt})`);
    if (userId === 'permanent') throw new PermanentError('this order can never be recorded');
    if (Behaviour.failing.has(orderId)) throw new Error('still failing');

    const confirmed = this.events.create(EventTypes.OrderConfirmedV1, {
      subject: orderId,
      data: {
        orderId,
        userId,
        email: event.data.email,
        currency: event.data.currency,
        totalMinor: event.data.totalMinor,
        lines: event.data.lines,
      },
    });
    try {
      await this.outbox.update(
        this.ledger,
        { _id: orderId, eventIds: { $nin: [event.id] } },
        { $push: { eventIds: event.id }, $inc: { applied: 1 } },
        [confirmed],
        { upsert: true },
      );
    } catch (err) {
      // The entry exists and already holds this event id: applied before.
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }
}
