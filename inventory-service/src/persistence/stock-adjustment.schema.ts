import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export type AdjustmentStatus = 'pending' | 'applied' | 'refused';

/**
 * Audit trail of stock adjustments (`_id` = adjustment id). Written `pending` before the product
 * changes and completed after, so a change is never made without its entry; a `pending` entry
 * whose id is still in the product's `pendingAdjustments` was applied.
 */
@Schema({ collection: 'stock_adjustments', versionKey: false, autoIndex: false })
export class StockAdjustment {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  sku!: string;

  @Prop({ type: Number, required: true })
  delta!: number;

  @Prop({ type: String, required: true })
  reason!: string;

  /** The `sub` of the admin who asked. */
  @Prop({ type: String, required: true })
  actor!: string;

  @Prop({ type: String, required: true })
  status!: AdjustmentStatus;

  @Prop({ type: Number })
  onHandAfter?: number;

  @Prop({ type: Number })
  availableAfter?: number;

  @Prop({ type: String })
  refusedBecause?: string;

  @Prop({ type: Date, required: true })
  createdAt!: Date;
}

export const StockAdjustmentSchema = SchemaFactory.createForClass(StockAdjustment);
StockAdjustmentSchema.index({ sku: 1, createdAt: -1 });
