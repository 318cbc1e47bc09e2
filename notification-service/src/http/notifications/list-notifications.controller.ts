// GET /notifications?orderId= — for operators: what was (or was not) sent for an order, with the
// SMTP server's answers. Admin only.
import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';

import { NotificationRepository } from '../../persistence/notification.repository';
import type { NotificationRecord } from '../../persistence/order-notifications.schema';
import {
  JwtAuthGuard,
  ProblemDetailsFilter,
  Roles,
  validationProblem,
} from '@eventshop/service-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_NOTIFICATIONS_LISTED = 100;

export interface NotificationView {
  eventId: string;
  eventType: string;
  kind: string;
  orderId: string;
  recipient: string;
  subject: string;
  messageId: string;
  status: string;
  attempts: number;
  serverResponse?: string;
  responseCode?: number;
  lastError?: string;
  skipReason?: string;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  failedAt?: string;
}

export function toView(record: NotificationRecord): NotificationView {
  const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);
  const optional = {
    serverResponse: record.serverResponse,
    responseCode: record.responseCode,
    lastError: record.lastError,
    skipReason: record.skipReason,
    sentAt: iso(record.sentAt),
    failedAt: iso(record.failedAt),
  };
  return {
    eventId: record._id,
    eventType: record.eventType,
    kind: record.kind,
    orderId: record.orderId,
    recipient: record.recipient,
    subject: record.subject,
    messageId: record.messageId,
    status: record.status,
    attempts: record.attempts,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

@Controller('notifications')
@UseFilters(ProblemDetailsFilter)
@UseGuards(JwtAuthGuard)
@Roles('admin')
export class ListNotificationsController {
  constructor(private readonly records: NotificationRepository) {}

  @Get()
  async list(@Query('orderId') orderId: unknown): Promise<{ items: NotificationView[] }> {
    if (typeof orderId !== 'string' || !UUID.test(orderId)) {
      const path = 'orderId';
      const message = 'must be a UUID (the order id)';
      throw validationProblem([{ path, message }], `${path} ${message}`);
    }
    const records = await this.records.listByOrder(orderId, MAX_NOTIFICATIONS_LISTED);
    return { items: records.map(toView) };
  }
}
