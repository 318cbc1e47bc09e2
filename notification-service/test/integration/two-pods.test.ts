// Two instances of the use case ("pods"), each with its own database connection and SMTP
// transport, against one real database and one real SMTP peer: outcomes of the same order handled
// at the same time on both (decision 0023). The customer may not get a confirmation, but never
// one after the cancellation; a record says `sent` exactly when its e-mail was accepted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import mongoose, { type Connection } from 'mongoose';
import type { ParsedMail } from 'mailparser';

import type { OrderOutcome } from '../../src/domain/order-outcome';
import { SmtpMailSender } from '../../src/mail/mail-sender';
import {
  type NotifyResult,
  NotifyOrderOutcomeService,
  SendInProgressError,
} from '../../src/messaging/notify-order-outcome.service';
import { NotificationRepository } from '../../src/persistence/notification.repository';
import {
  ORDER_NOTIFICATIONS_MODEL,
  type OrderNotificationsDocument,
  OrderNotificationsSchema,
} from '../../src/persistence/order-notifications.schema';
import { GuardedWrites } from '@eventshop/service-kit';
import type { TestScope } from '@eventshop/service-kit/testing';

import { testScope } from '../support/env';
import { cancelledOutcome, confirmedOutcome } from '../support/outcomes';
import { RecordingMetrics } from '../support/recording-metrics';
import { SmtpPeer, waitFor } from '../support/smtp-peer';

interface Pod {
  readonly connection: Connection;
  readonly repository: NotificationRepository;
  readonly mailer: SmtpMailSender;
  readonly service: NotifyOrderOutcomeService;
}

const EVENT_TYPE = { confirmed: 'order.confirmed.v1', cancelled: 'order.cancelled.v1' } as const;
/** Interleavings forced step by step, and orders raced freely. */
const ITERATIONS = 10;
const RACES = 40;

describe('two pods handling outcomes of one order (SMTP peer + database)', () => {
  let scope: TestScope;
  let peer: SmtpPeer;
  let pods: Pod[] = [];

  async function startPod(uri: string): Promise<Pod> {
    const connection = await mongoose.createConnection(uri).asPromise();
    const model = connection.model<OrderNotificationsDocument>(
      ORDER_NOTIFICATIONS_MODEL,
      OrderNotificationsSchema,
    );
    await model.init();
    const repository = new NotificationRepository(model, new GuardedWrites(connection));
    const mailer = new SmtpMailSender({
      smtpUrl: peer.url,
      from: 'EventShop <orders@eventshop.test>',
    });
    const service = new NotifyOrderOutcomeService(repository, mailer, new RecordingMetrics(), {
      leaseMs: 60_000,
    });
    return { connection, repository, mailer, service };
  }

  before(async () => {
    scope = await testScope('notify-two-pods');
    peer = await new SmtpPeer().start();
    pods = [await startPod(scope.env.MONGODB_URI), await startPod(scope.env.MONGODB_URI)];
  });
  afterEach(() => peer.reset());
  after(async () => {
    for (const pod of pods) {
      pod.mailer.close();
      await pod.connection.close();
    }
    await peer?.stop();
    await scope?.dispose();
  });

  /** One delivery; a send in progress elsewhere is reported, as the consumer would retry it. */
  async function deliver(pod: Pod, outcome: OrderOutcome): Promise<NotifyResult | 'busy'> {
    try {
      return await pod.service.notify(outcome, EVENT_TYPE[outcome.kind as keyof typeof EVENT_TYPE]);
    } catch (error) {
      if (error instanceof SendInProgressError) return 'busy';
      throw error;
    }
  }

  /** Delivers until the event is handled, as the retry tiers would (quicker). */
  async function deliverUntilHandled(pod: Pod, outcome: OrderOutcome): Promise<NotifyResult> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const result = await deliver(pod, outcome);
      if (result !== 'busy') return result;
      await sleep(10);
    }
    throw new Error(`${outcome.kind} ${outcome.eventId} still busy after 200 deliveries`);
  }

  const isMailOf = (outcome: OrderOutcome) => (mail: ParsedMail) =>
    mail.messageId === `<${outcome.eventId}@eventshop>`;
  const acceptedAt = (outcome: OrderOutcome) =>
    peer.received.findIndex((m) => isMailOf(outcome)(m.parsed));

  /** The invariants of one order: no confirmation after the cancellation; records agree. */
  async function checkOrder(confirmed: OrderOutcome, cancelled: OrderOutcome): Promise<void> {
    const confirmation = acceptedAt(confirmed);
    const cancellation = acceptedAt(cancelled);
    assert.notEqual(cancellation, -1, 'the cancellation is always mailed');
    assert.ok(
      confirmation === -1 || confirmation < cancellation,
      `order ${confirmed.orderId}: confirmation accepted after the cancellation`,
    );
    const [pod] = pods;
    for (const [outcome, index] of [
      [confirmed, confirmation],
      [cancelled, cancellation],
    ] as const) {
      const record = await pod!.repository.get(outcome.orderId, outcome.eventId);
      assert.equal(
        record?.status === 'sent',
        index !== -1,
        `${outcome.kind} record ${record?.status} while its e-mail was ${index === -1 ? 'not ' : ''}accepted`,
      );
    }
  }

  it('a cancellation on one pod is not mailed before a confirmation already sending on the other', async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      peer.reset();
      const orderId = randomUUID();
      const confirmed = confirmedOutcome({ orderId });
      const cancelled = cancelledOutcome({ orderId });
      let letGo!: () => void;
      const held = new Promise<void>((resolve) => (letGo = resolve));
      peer.beforeAnswer = (mail) => (isMailOf(confirmed)(mail) ? held : Promise.resolve());

      // pod 1's confirmation is past every check and inside its SMTP transaction …
      const confirming = deliver(pods[0]!, confirmed);
      await waitFor('the confirmation in DATA', () => peer.inData.some(isMailOf(confirmed)));
      // … when pod 2 handles the cancellation of the same order.
      const first = await deliver(pods[1]!, cancelled);
      letGo();
      assert.equal(await confirming, 'sent');
      if (first === 'busy') assert.equal(await deliverUntilHandled(pods[1]!, cancelled), 'sent');
      else assert.equal(first, 'sent');
      await checkOrder(confirmed, cancelled);
    }
  });

  it('a duplicate delivery does not mark skipped a confirmation another pod is sending', async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      peer.reset();
      const orderId = randomUUID();
      const confirmed = confirmedOutcome({ orderId });
      const cancelled = cancelledOutcome({ orderId });
      let letGo!: () => void;
      const held = new Promise<void>((resolve) => (letGo = resolve));
      peer.beforeAnswer = (mail) => (isMailOf(confirmed)(mail) ? held : Promise.resolve());

      const confirming = deliver(pods[0]!, confirmed);
      await waitFor('the confirmation in DATA', () => peer.inData.some(isMailOf(confirmed)));
      // The cancellation raises the order's stage (and waits for the confirmation, or not) …
      const cancelling = deliver(pods[1]!, cancelled);
      // … so a duplicate of the confirmation on pod 2 finds it superseded, while pod 1's
      // claim is live and its e-mail is on the wire.
      await waitFor(
        'the stage raised',
        async () => (await pods[1]!.repository.orderStage(orderId)) === 2,
      );
      const duplicate = await deliver(pods[1]!, confirmed);
      assert.ok(duplicate === 'busy' || duplicate === 'duplicate', duplicate);
      letGo();
      assert.equal(await confirming, 'sent');
      if ((await cancelling) === 'busy') await deliverUntilHandled(pods[1]!, cancelled);
      assert.equal(await deliverUntilHandled(pods[1]!, confirmed), 'duplicate');
      await checkOrder(confirmed, cancelled);
    }
  });

  it('confirmation and cancellation racing freely on two pods never mail out of order', async () => {
    // A slow server widens the window between the last check and the server's answer.
    peer.beforeAnswer = () => sleep(15);
    const orders: [OrderOutcome, OrderOutcome][] = [];
    await Promise.all(
      Array.from({ length: RACES }, async (_, i) => {
        const orderId = randomUUID();
        const confirmed = confirmedOutcome({ orderId });
        const cancelled = cancelledOutcome({ orderId });
        orders.push([confirmed, cancelled]);
        const [a, b] = i % 2 === 0 ? [pods[0]!, pods[1]!] : [pods[1]!, pods[0]!];
        await Promise.all([
          deliverUntilHandled(a, confirmed),
          sleep(i % 5).then(() => deliverUntilHandled(b, cancelled)),
        ]);
      }),
    );
    for (const [confirmed, cancelled] of orders) await checkOrder(confirmed, cancelled);
  });
});
