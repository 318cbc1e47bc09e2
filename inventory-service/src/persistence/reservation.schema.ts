import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { withOutbox, type OutboxEntry } from '@eventshop/service-kit';
import type { RefusalReason } from '../domain/reservation-decision';
import type { ReservationStatus } from '../domain/reservation-progress';

@Schema({ _id: false, versionKey: false })
export class ReservationLine {
  @Prop({ type: String, required: true })
  sku!: string;

  @Prop({ type: Number, required: true })
  quantity!: number;
}

@Schema({ _id: false, versionKey: false })
export class ShortLineEntry {
  @Prop({ type: String, required: true })
  sku!: string;

  @Prop({ type: Number, required: true })
  requested!: number;

  @Prop({ type: Number, required: true })
  available!: number;
}

@Schema({ _id: false, versionKey: false })
export class RefusalEntry {
  @Prop({ type: String, required: true })
  reason!: RefusalReason;

  @Prop({ type: [SchemaFactory.createForClass(ShortLineEntry)], default: [] })
  shortLines!: ShortLineEntry[];
}

/**
 * The reservation of one order (`_id` = order id): how far its steps got, and the outcome event
 * in its outbox (docs/decisions/0004).
 */
@Schema({ collection: 'reservations', versionKey: false, autoIndex: false })
export class Reservation {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  status!: ReservationStatus;

  @Prop({ type: [SchemaFactory.createForClass(ReservationLine)], default: [] })
  lines!: ReservationLine[];

  @Prop({ type: SchemaFactory.createForClass(RefusalEntry), required: false })
  refusal?: RefusalEntry;

  @Prop({ type: Boolean, required: true })
  settled!: boolean;

  /** Confirmed: its holds became committed units (docs/decisions/0015). */
  @Prop({ type: Boolean, required: false })
  committed?: boolean;

  /** A committed order's release: the restock tokens that count (docs/decisions/0015). */
  @Prop({ type: [String], required: false, default: undefined })
  restocks?: string[];

  @Prop({ type: Date, required: true })
  createdAt!: Date;

  @Prop({ type: Date, required: true })
  updatedAt!: Date;

  outbox!: OutboxEntry[];
}

export const ReservationSchema = withOutbox(SchemaFactory.createForClass(Reservation));
