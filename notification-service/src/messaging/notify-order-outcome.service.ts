// The use case: tell the customer about one order outcome, once, and never one the order has
// moved past. Flow per event:
//   raise the order's stage → decide (policy, stage) → claim the record `_id = eventId` →
//   take the order's send lease (refused once a later stage is known) → render → send →
//   mark sent → release the order's lease.
// Two pods may handle outcomes of one order at once: the lease keeps their e-mails in the
// order's sequence (docs/decisions/0023).
// A duplicate delivery finds the record final and sends nothing; a crash after the send and
// before "mark sent" leaves the record `sending`, so the redelivered event sends again with the
// same Message-ID (at-least-once with a dedup key: docs/decisions/0006).
// Transient SMTP failures are thrown, so the consumer chain routes the event through its retry
// tiers; permanent ones are recorded as failed and acknowledged, so they never loop.

import { Inject, Injectable, Logger } from '@nestjs/common';

import { type ComposedNotification, composeNotification } from '../domain/compose-notification';
import {
  decideNotification,
  isSuperseded,
  OUTCOME_STAGE,
  supersededWhy,
} from '../domain/notification-policy';
import type { OrderOutcome } from '../domain/order-outcome';
import { isDeliverableAddress } from '../domain/recipient';
import { classifySmtpFailure, InvalidRecipientError } from '../domain/smtp-failure';
import type { MailSender } from '../mail/mail-sender';
import {
  type NotificationDraft,
  NotificationRepository,
  type OrderSendLease,
} from '../persistence/notification.repository';
import { renderNotification } from '../templates/render-notification';
import {
  MAIL_SENDER,
  NOTIFICATION_METRICS,
  NOTIFY_OPTIONS,
  type NotificationMetrics,
  type NotificationOutcome,
  type NotifyOptions,
} from './notification-outcomes';

/** A send failed in a way a later attempt may fix; thrown so the event is retried. */
export class TransientSendError extends Error {
  override readonly name = 'TransientSendError';
}

/** Another delivery of the same event is sending right now; thrown so this one retries later. */
export class SendInProgressError extends Error {
  override readonly name = 'SendInProgressError';
}

export type NotifyResult = Exclude<NotificationOutcome, 'retry'>;

/** How often, and how far apart, a delivery looks for the order's send lease before retrying. */
const ORDER_LEASE_LOOKS = 5;
const ORDER_LEASE_PAUSE_MS = 200;

@Injectable()
export class NotifyOrderOutcomeService {
  private readonly logger = new Logger(NotifyOrderOutcomeService.name);

  constructor(
    private readonly records: NotificationRepository,
    @Inject(MAIL_SENDER) private readonly mailer: MailSender,
    @Inject(NOTIFICATION_METRICS) private readonly metrics: NotificationMetrics,
    @Inject(NOTIFY_OPTIONS) private readonly options: NotifyOptions,
  ) {}

  async notify(outcome: OrderOutcome, eventType: string): Promise<NotifyResult> {
    const composed = composeNotification(outcome);
    const draft: NotificationDraft = {
      eventId: composed.eventId,
      eventType,
      kind: composed.kind,
      orderId: composed.orderId,
      recipient: composed.to,
      subject: composed.subject,
      messageId: composed.messageId,
    };
    const log = { eventId: draft.eventId, orderId: draft.orderId, eventType };

    // The order's stage is raised first, so an outcome of a later stage is known to every
    // delivery that checks after this line.
    const latest = await this.records.raiseOrderStage(
      outcome.orderId,
      OUTCOME_STAGE[outcome.kind],
      new Date(),
    );
    const decision = isSuperseded(outcome.kind, latest)
      ? { notify: false as const, why: supersededWhy(outcome.kind) }
      : decideNotification(outcome);
    if (!decision.notify) return this.skip(draft, decision.why, log);

    const claim = await this.records.claim(draft, new Date(), this.options.leaseMs);
    if (claim.outcome === 'done') {
      this.logger.log({ ...log, status: claim.record.status }, 'notification already handled');
      return this.count('duplicate');
    }
    if (claim.outcome === 'busy') {
      this.metrics.record('retry');
      throw new SendInProgressError(
        `notification ${draft.eventId} is being sent by another delivery`,
      );
    }

    if (!isDeliverableAddress(composed.to)) {
      return this.fail(draft.eventId, new InvalidRecipientError(composed.to), log);
    }

    // The order's send lease: one outcome of an order is mailed at a time, and only while no
    // later stage is known, so a cancellation handled meanwhile on another pod waits for this
    // send to end, and a confirmation never starts once the order ended (decision 0023).
    const lease = await this.takeOrderSendLease(outcome);
    if (lease === 'superseded') {
      const why = supersededWhy(outcome.kind);
      await this.records.markSkipped(draft.eventId, why, new Date());
      this.logger.log({ ...log, outcome: 'skipped', why }, 'notification not mailed');
      return this.count('skipped');
    }
    if (lease === 'busy') {
      const answer = 'another outcome of the order is being mailed';
      await this.records.releaseForRetry(draft.eventId, { answer }, new Date());
      this.metrics.record('retry');
      throw new SendInProgressError(`${answer} (order ${draft.orderId})`);
    }
    try {
      return await this.send(composed, draft.eventId, claim.record.attempts, log);
    } finally {
      await this.records.releaseOrderSendLease(outcome.orderId, draft.eventId);
    }
  }

  /** Takes the order's send lease, waiting a little for a send of another outcome to end. */
  private async takeOrderSendLease(outcome: OrderOutcome): Promise<OrderSendLease> {
    for (let look = 1; ; look++) {
      const lease = await this.records.takeOrderSendLease(
        outcome.orderId,
        outcome.eventId,
        OUTCOME_STAGE[outcome.kind],
        new Date(),
        this.options.leaseMs,
      );
      if (lease !== 'busy' || look === ORDER_LEASE_LOOKS) return lease;
      await new Promise((resolve) => setTimeout(resolve, ORDER_LEASE_PAUSE_MS));
    }
  }

  private async send(
    composed: ComposedNotification,
    eventId: string,
    attempt: number,
    log: Record<string, string>,
  ): Promise<NotifyResult> {
    const bodies = renderNotification(composed);
    let response: string;
    try {
      ({ response } = await this.mailer.send({
        to: composed.to,
        subject: composed.subject,
        messageId: composed.messageId,
        ...bodies,
      }));
    } catch (error) {
      const failure = classifySmtpFailure(error);
      if (failure.kind === 'permanent') return this.fail(eventId, error, log);
      await this.records.releaseForRetry(eventId, failure, new Date());
      this.metrics.record('retry');
      this.logger.warn(
        { ...log, attempt, answer: failure.answer, code: failure.code },
        'notification send failed, will retry',
      );
      throw new TransientSendError(failure.answer, { cause: error });
    }

    await this.records.markSent(eventId, response, new Date());
    this.logger.log(
      { ...log, attempt, messageId: composed.messageId, response },
      'notification sent',
    );
    return this.count('sent');
  }

  /** Records an event the policy does not mail; a duplicate finds it recorded. */
  private async skip(
    draft: NotificationDraft,
    why: string,
    log: Record<string, string>,
  ): Promise<NotifyResult> {
    const skipped = await this.records.recordSkipped(draft, why, new Date());
    if (skipped.outcome === 'done' && skipped.record.status === 'sending') {
      // Claimed by another delivery: once its lease has run out it died or gave up, and it must
      // not send now either; while the lease runs it may be sending, so look again later.
      if (!(await this.records.skipAbandoned(draft.eventId, why, new Date()))) {
        this.metrics.record('retry');
        throw new SendInProgressError(
          `notification ${draft.eventId} is being sent by another delivery`,
        );
      }
      this.logger.log({ ...log, outcome: 'skipped', why }, 'notification not mailed');
      return this.count('skipped');
    }
    const result = skipped.outcome === 'claimed' ? 'skipped' : 'duplicate';
    this.logger.log({ ...log, outcome: result, why }, 'notification not mailed');
    return this.count(result);
  }

  private async fail(
    eventId: string,
    error: unknown,
    log: Record<string, string>,
  ): Promise<NotifyResult> {
    const failure = classifySmtpFailure(error);
    await this.records.markFailed(eventId, failure, new Date());
    this.logger.warn(
      { ...log, answer: failure.answer, responseCode: failure.responseCode },
      'notification failed for good',
    );
    return this.count('failed');
  }

  private count(result: NotifyResult): NotifyResult {
    this.metrics.record(result);
    return result;
  }
}
