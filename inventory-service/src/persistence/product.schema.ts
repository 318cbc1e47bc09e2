import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { withOutbox, type OutboxEntry } from '@eventshop/service-kit';

/** `{ orderId, quantity }` in this key order: holds are matched and removed by exact value. */
@Schema({ _id: false, versionKey: false })
export class HoldEntry {
  @Prop({ type: String, required: true })
  orderId!: string;

  @Prop({ type: Number, required: true })
  quantity!: number;
}

const HoldEntrySchema = SchemaFactory.createForClass(HoldEntry);

/**
 * A product: catalog fields, its stock, the holds of the orders that reserved some of it, and
 * the outbox of its `inventory.product-updated.v1` events. `_id` is the SKU.
 *
 * `available` (= onHand − reserved) is stored so that guards can compare it with a constant.
 * `holders` repeats the order ids of `holds` as scalars: FerretDB 1.24 cannot evaluate
 * `$ne` on a path into an array of documents, but it can on an array of strings.
 * `pendingAdjustments` marks a stock adjustment applied here until its audit entry says so.
 * `restockers` (order ids) and `restocks` (tokens `<orderId>:<run>`) mark a committed order whose
 * units were put back on hand, until its reservation record says so (docs/decisions/0015). Holds are of pending orders only: a confirmed order's
 * holds leave as committed units, so the document's size is bounded by its pending orders.
 */
@Schema({ collection: 'products', versionKey: false, autoIndex: false })
export class Product {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  name!: string;

  @Prop({ type: Number, required: true })
  priceMinor!: number;

  @Prop({ type: String, required: true })
  currency!: string;

  @Prop({ type: Boolean, required: true })
  active!: boolean;

  @Prop({ type: Number, required: true })
  version!: number;

  @Prop({ type: Number, required: true, default: 0 })
  onHand!: number;

  @Prop({ type: Number, required: true, default: 0 })
  reserved!: number;

  @Prop({ type: Number, required: true, default: 0 })
  available!: number;

  @Prop({ type: [HoldEntrySchema], default: [] })
  holds!: HoldEntry[];

  @Prop({ type: [String], default: [] })
  holders!: string[];

  @Prop({ type: [String], default: [] })
  pendingAdjustments!: string[];

  @Prop({ type: [String], default: [] })
  restockers!: string[];

  @Prop({ type: [String], default: [] })
  restocks!: string[];

  @Prop({ type: Date, required: true })
  createdAt!: Date;

  @Prop({ type: Date, required: true })
  updatedAt!: Date;

  outbox!: OutboxEntry[];
}

export const ProductSchema = withOutbox(SchemaFactory.createForClass(Product));
