// One document per outcome event: `_id` is the event id, so the unique `_id` index is what makes
// a notification happen once per event (FerretDB and MongoDB both enforce it on insert).

import { Schema } from 'mongoose';

import type { OutcomeKind } from '../domain/order-outcome';

export const NOTIFICATION_MODEL = 'Notification';
export const NOTIFICATIONS_COLLECTION = 'notifications';

/**
 * sending — claimed; the e-mail may or may not have left (a crash or a transient failure leaves
 *           it here, and the next delivery of the event sends again with the same Message-ID);
 * sent    — the SMTP server accepted it; final;
 * failed  — the server refused it for good (5xx) or the address is unusable; final;
 * skipped — the policy says this event is not mailed; final.
 */
export type NotificationStatus = 'sending' | 'sent' | 'failed' | 'skipped';

export interface NotificationRecord {
  _id: string;
  eventType: string;
  kind: OutcomeKind;
  orderId: string;
  recipient: string;
  subject: string;
  messageId: string;
  status: NotificationStatus;
  /** Number of times a send was started. */
  attempts: number;
  /** While a send is in progress, no other delivery of the same event may start one. */
  leaseUntil?: Date;
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

export const NotificationSchema = new Schema<NotificationRecord>(
  {
    _id: { type: String, required: true },
    eventType: { type: String, required: true },
    kind: { type: String, required: true },
    orderId: { type: String, required: true },
    recipient: { type: String, required: true },
    subject: { type: String, required: true },
    messageId: { type: String, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, required: true },
    leaseUntil: { type: Date },
    serverResponse: { type: String },
    responseCode: { type: Number },
    lastError: { type: String },
    skipReason: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    sentAt: { type: Date },
    failedAt: { type: Date },
  },
  { collection: NOTIFICATIONS_COLLECTION, versionKey: false, strict: true, autoIndex: false },
);

// For the operators' listing by order (a scan on FerretDB either way; an index on MongoDB).
// Created at start (create-indexes.ts).
NotificationSchema.index({ orderId: 1, createdAt: 1 });
