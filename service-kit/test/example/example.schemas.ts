import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { withOutbox, type OutboxEntry } from '../../src';

/** The aggregate: an order written with its `order.created.v1` in the same insert. */
@Schema({ collection: 'example_orders', versionKey: false })
export class ExampleOrder {
  @Prop({ type: String }) _id!: string;
  @Prop({ required: true }) status!: string;
  @Prop({ required: true }) totalMinor!: number;
  outbox!: OutboxEntry[];
}
export const ExampleOrderSchema = withOutbox(SchemaFactory.createForClass(ExampleOrder));

/** What the consumer side keeps per order, with the event it emits in its own outbox. */
@Schema({ collection: 'example_ledger', versionKey: false })
export class LedgerEntry {
  @Prop({ type: String }) _id!: string;
  @Prop({ type: [String], default: [] }) eventIds!: string[];
  @Prop({ default: 0 }) applied!: number;
  outbox!: OutboxEntry[];
}
export const LedgerEntrySchema = withOutbox(SchemaFactory.createForClass(LedgerEntry));
