// One document per order, `_id` = the order id: the highest stage of the order seen, the send
// lease that lets one outcome of the order be mailed at a time (decision 0023), and the record of
// each outcome event by event id. Everything a delivery decides on is in one document, so each
// step is one guarded write by `_id` (decision 0026).

import { Schema } from 'mongoose';

import type { RecordStatus } from '../domain/delivery-step';
import type { OutcomeKind } from '../domain/order-outcome';

export const ORDER_NOTIFICATIONS_MODEL = 'OrderNotifications';
export const ORDER_NOTIFICATIONS_COLLECTION = 'order_notifications';

/**
 * sending — claimed; the e-mail may or may not have left (a crash or a transient failure leaves
 *           it here, and the next delivery of the event sends again with the same Message-ID);
 * sent    — the SMTP server accepted it; final;
 * failed  — the server refused it for good (5xx) or the address is unusable; final;
 * skipped — not mailed: the policy says so, or the order moved past this outcome; final.
 */
export type NotificationStatus = RecordStatus;

/** What is stored of one outcome event, under its id in `events`. */
export interface StoredNotification {
  eventType: string;
  kind: OutcomeKind;
  recipient: string;
  subject: string;
  messageId: string;
  status: NotificationStatus;
  /** Number of times a send was started. */
  attempts: number;
  /** The SMTP server's last answer: the acceptance for sent, the refusal for failed. */
  serverResponse?: string;
  responseCode?: number;
  /** Last transient failure, kept while retries go on. */
  lastError?: string;
  /** Why a skipped event was not mailed. */
  skipReason?: string;
  createdAt: Date;
  updatedAt: Date;
  sentAt?: Date;
  failedAt?: Date;
}

export interface OrderNotificationsDocument {
  _id: string;
  stage: number;
  /** While an outcome of the order is being mailed: until when, and by which event. */
  sendLeaseUntil?: Date;
  sendLeaseBy?: string;
  /** By event id (a UUID: a safe field name). */
  events: Record<string, StoredNotification>;
  updatedAt: Date;
}

/** One event's record as the repository answers it: with its event id and order id. */
export interface NotificationRecord extends StoredNotification {
  _id: string;
  orderId: string;
}

// Declares the collection for the kit's index creation at start. Written and read through the
// driver (`model.collection`), by `_id` only: no secondary index.
export const OrderNotificationsSchema = new Schema<OrderNotificationsDocument>(
  {
    _id: { type: String, required: true },
    stage: { type: Number, required: true },
    sendLeaseUntil: { type: Date },
    sendLeaseBy: { type: String },
    events: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  {
    collection: ORDER_NOTIFICATIONS_COLLECTION,
    versionKey: false,
    strict: true,
    minimize: false,
    autoIndex: false,
  },
);
