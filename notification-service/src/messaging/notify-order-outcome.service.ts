// The use case: tell the customer about one order outcome, once, and never one the order has
// moved past. Everything stored for an order is one document (the highest stage seen, the send
// lease, a record per outcome event), so the common path is two writes (decision 0026):
//   claim — record the event `sending`, raise the order's stage and take the order's send lease,
//           in one guarded write, refused once a later stage is known or while another outcome
//           of the order is being mailed (decision 0023) → render → send →
//   mark  — the record `sent` (or `failed`) and the lease given back, in one write.
// A refused claim reads the order's document and the domain says what is in the way
// (domain/delivery-step): a duplicate, a send of this event in progress, a later stage (record
// it skipped), another outcome being mailed (raise the stage, wait), or an earlier claim whose
// send died or failed transiently (take it over and send again with the same Message-ID:
// at-least-once with a dedup key, decision 0006).
// Transient SMTP failures are thrown, so the consumer chain routes the event through its retry
// tiers; permanent ones are recorded as failed and acknowledged, so they never loop.

import { Inject, Injectable, Logger } from '@nestjs/common';

import { type ComposedNotification, composeNotification } from '../domain/compose-notification';
import { nextDeliveryStep } from '../domain/delivery-step';
import { decideNotification, OUTCOME_STAGE } from '../domain/notification-policy';
import type { OrderOutcome } from '../domain/order-outcome';
import { isDeliverableAddress } from '../domain/recipient';
import { classifySmtpFailure, InvalidRecipientError } from '../domain/smtp-failure';
import type { MailSender } from '../mail/mail-sender';
import {
  type NotificationDraft,
  NotificationRepository,
} from '../persistence/notification.repository';
import { type RenderedBodies, renderNotification } from '../templates/render-notification';
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

/** A send of this event, or of another outcome of its order, is in progress; retry later. */
export class SendInProgressError extends Error {
  override readonly name = 'SendInProgressError';
}

export type NotifyResult = Exclude<NotificationOutcome, 'retry'>;

/** How often, and how far apart, a delivery looks for the order's send lease before retrying. */
const ORDER_LEASE_LOOKS = 5;
const ORDER_LEASE_PAUSE_MS = 200;
/** Refused writes in a row (the document changed under each) before the event is retried. */
const MAX_ROUNDS = 5;

type Claim =
  | { readonly kind: 'claimed'; readonly attempts: number }
  | { readonly kind: 'done'; readonly result: NotifyResult }
  | { readonly kind: 'busy'; readonly why: string }
  | { readonly kind: 'wait' };

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
    const stage = OUTCOME_STAGE[outcome.kind];

    const policy = decideNotification(outcome);
    if (!policy.notify) {
      // Recorded, and the stage raised, in one write: a later confirmation is not mailed.
      const recorded = await this.records.recordSkipped(draft, stage, policy.why, new Date());
      return this.count(this.notMailed(log, policy.why, recorded ? 'skipped' : 'duplicate'));
    }

    // Rendered before anything is claimed: data no template can show fails without a trace.
    const bodies = renderNotification(composed);
    for (let look = 1; ; look++) {
      const claim = await this.claim(draft, stage, log);
      if (claim.kind === 'done') return this.count(claim.result);
      if (claim.kind === 'claimed') return this.send(composed, bodies, claim.attempts, log);
      if (claim.kind === 'busy') {
        this.metrics.record('retry');
        throw new SendInProgressError(`${claim.why} (order ${draft.orderId})`);
      }
      // Another outcome of the order is being mailed (a send takes milliseconds): look again a
      // few times before spending a retry tier.
      if (look === ORDER_LEASE_LOOKS) {
        this.metrics.record('retry');
        throw new SendInProgressError(
          `another outcome of the order is being mailed (order ${draft.orderId})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, ORDER_LEASE_PAUSE_MS));
    }
  }

  /** Claims the send of the event: one write in the common case, else read, decide, write. */
  private async claim(
    draft: NotificationDraft,
    stage: number,
    log: Record<string, string>,
  ): Promise<Claim> {
    const leaseMs = this.options.leaseMs;
    if (await this.records.claimFirst(draft, stage, new Date(), leaseMs)) {
      return { kind: 'claimed', attempts: 1 };
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = new Date();
      const state = await this.records.mailState(draft.orderId, draft.eventId);
      const step = state
        ? nextDeliveryStep(state, draft.eventId, draft.kind, now)
        : ({ kind: 'claim' } as const);
      switch (step.kind) {
        case 'duplicate':
          this.logger.log(log, 'notification already handled');
          return { kind: 'done', result: 'duplicate' };
        case 'busy':
          return { kind: 'busy', why: 'the notification is being sent by another delivery' };
        case 'skip': {
          const skipped = state?.status
            ? await this.records.skipAbandoned(draft.orderId, draft.eventId, step.why, now)
            : await this.records.recordSkipped(draft, stage, step.why, now);
          if (skipped) return { kind: 'done', result: this.notMailed(log, step.why, 'skipped') };
          break;
        }
        case 'wait':
          // Known to every delivery that looks after this line: no earlier outcome starts now.
          if (state && state.stage < stage)
            await this.records.raiseStage(draft.orderId, stage, now);
          return { kind: 'wait' };
        case 'take-over': {
          const attempts = await this.records.takeOver(
            draft.orderId,
            draft.eventId,
            stage,
            now,
            leaseMs,
          );
          if (attempts !== undefined) return { kind: 'claimed', attempts };
          break;
        }
        case 'claim':
          if (await this.records.claimFirst(draft, stage, now, leaseMs)) {
            return { kind: 'claimed', attempts: 1 };
          }
          break;
      }
    }
    return { kind: 'busy', why: 'the order changed under every attempt to claim the send' };
  }

  /** Sends under the claim; every way out writes the record and gives the order's lease back. */
  private async send(
    composed: ComposedNotification,
    bodies: RenderedBodies,
    attempt: number,
    log: Record<string, string>,
  ): Promise<NotifyResult> {
    const { orderId, eventId } = composed;
    if (!isDeliverableAddress(composed.to)) {
      return this.fail(composed, new InvalidRecipientError(composed.to), log);
    }
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
      if (failure.kind === 'permanent') return this.fail(composed, error, log);
      await this.records.releaseForRetry(orderId, eventId, failure, new Date());
      this.metrics.record('retry');
      this.logger.warn(
        { ...log, attempt, answer: failure.answer, code: failure.code },
        'notification send failed, will retry',
      );
      throw new TransientSendError(failure.answer, { cause: error });
    }

    await this.records.markSent(orderId, eventId, response, new Date());
    this.logger.log(
      { ...log, attempt, messageId: composed.messageId, response },
      'notification sent',
    );
    return this.count('sent');
  }

  private async fail(
    composed: ComposedNotification,
    error: unknown,
    log: Record<string, string>,
  ): Promise<NotifyResult> {
    const failure = classifySmtpFailure(error);
    await this.records.markFailed(composed.orderId, composed.eventId, failure, new Date());
    this.logger.warn(
      { ...log, answer: failure.answer, responseCode: failure.responseCode },
      'notification failed for good',
    );
    return this.count('failed');
  }

  private notMailed(
    log: Record<string, string>,
    why: string,
    result: 'skipped' | 'duplicate',
  ): NotifyResult {
    this.logger.log({ ...log, outcome: result, why }, 'notification not mailed');
    return result;
  }

  private count(result: NotifyResult): NotifyResult {
    this.metrics.record(result);
    return result;
  }
}
