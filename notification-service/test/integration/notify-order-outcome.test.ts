// The use case against a real SMTP peer (in-process smtp-server) and the real MongoDB-compatible
// server, without the broker: exactly-once per event, failure classes, escaping on the wire.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';

import mongoose, { type Connection } from 'mongoose';

import { SmtpMailSender } from '../../src/mail/mail-sender';
import {
  NotifyOrderOutcomeService,
  TransientSendError,
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
import { cancelledOutcome, confirmedOutcome, rejectedOutcome } from '../support/outcomes';
import { RecordingMetrics } from '../support/recording-metrics';
import { SmtpPeer } from '../support/smtp-peer';

describe('notifying an order outcome (SMTP peer + database)', () => {
  let connection: Connection;
  let repository: NotificationRepository;
  let peer: SmtpPeer;
  let mailer: SmtpMailSender;
  let metrics: RecordingMetrics;
  let service: NotifyOrderOutcomeService;
  let scope: TestScope;

  function build(leaseMs = 60_000): NotifyOrderOutcomeService {
    metrics = new RecordingMetrics();
    return new NotifyOrderOutcomeService(repository, mailer, metrics, { leaseMs });
  }

  before(async () => {
    scope = await testScope('notify-use-case');
    connection = await mongoose.createConnection(scope.env.MONGODB_URI).asPromise();
    const model = connection.model<OrderNotificationsDocument>(
      ORDER_NOTIFICATIONS_MODEL,
      OrderNotificationsSchema,
    );
    await model.init();
    repository = new NotificationRepository(model, new GuardedWrites(connection));
    peer = await new SmtpPeer().start();
    mailer = new SmtpMailSender({
      smtpUrl: peer.url,
      from: 'EventShop <orders@eventshop.test>',
      connectionTimeoutMs: 2000,
      greetingTimeoutMs: 2000,
      socketTimeoutMs: 5000,
    });
    service = build();
  });

  afterEach(() => peer.reset());

  after(async () => {
    mailer?.close();
    await peer?.stop();
    await connection?.close();
    await scope?.dispose();
  });

  it('sends a confirmation with recipient, subject, Message-ID and both bodies', async () => {
    service = build();
    const outcome = confirmedOutcome({ orderId: randomUUID() });
    assert.equal(await service.notify(outcome, 'order.confirmed.v1'), 'sent');

    assert.equal(peer.received.length, 1);
    const mail = peer.received[0]!;
    assert.deepEqual(mail.envelopeTo, ['alice@example.com']);
    assert.equal(
      mail.parsed.to && 'text' in mail.parsed.to ? mail.parsed.to.text : '',
      'alice@example.com',
    );
    assert.equal(mail.parsed.from?.value[0]?.address, 'orders@eventshop.test');
    assert.match(mail.parsed.subject ?? '', /^Your EventShop order [0-9A-F]{8} is confirmed$/);
    assert.equal(mail.parsed.messageId, `<${outcome.eventId}@eventshop>`);
    assert.match(mail.parsed.text ?? '', /Total: €49\.97/);
    assert.ok(typeof mail.parsed.html === 'string' && mail.parsed.html.includes(outcome.orderId));

    const record = await repository.get(outcome.orderId, outcome.eventId);
    assert.equal(record?.status, 'sent');
    assert.equal(record?.attempts, 1);
    assert.match(record?.serverResponse ?? '', /^250 /);
    assert.deepEqual(metrics.counts, { sent: 1 });
  });

  it('sends nothing for the second and third delivery of the same event', async () => {
    service = build();
    const outcome = rejectedOutcome({ orderId: randomUUID() });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await service.notify(outcome, 'order.rejected.v1'));
    assert.deepEqual(results, ['sent', 'duplicate', 'duplicate']);
    assert.equal(peer.received.length, 1);
    assert.deepEqual(metrics.counts, { sent: 1, duplicate: 2 });
  });

  it('lets only one of three concurrent deliveries send; the others are told to retry', async () => {
    service = build();
    const outcome = confirmedOutcome({ orderId: randomUUID() });
    const settled = await Promise.allSettled(
      [1, 2, 3].map(() => service.notify(outcome, 'order.confirmed.v1')),
    );
    // Exactly one sends. Each other one either finds the send in progress (and is retried
    // later) or, if it looked only after the send finished, finds it done.
    const kinds = settled
      .map((s) =>
        s.status === 'fulfilled'
          ? s.value
          : s.reason instanceof SendInProgressError
            ? 'busy'
            : String(s.reason),
      )
      .sort();
    assert.equal(kinds.filter((k) => k === 'sent').length, 1, kinds.join());
    assert.ok(
      kinds.every((k) => k === 'sent' || k === 'busy' || k === 'duplicate'),
      kinds.join(),
    );
    assert.equal(peer.received.length, 1);
  });

  it('escapes hostile values in the HTML that arrives', async () => {
    service = build();
    const outcome = rejectedOutcome({
      orderId: randomUUID(),
      lines: [{ sku: '<script>alert(1)</script>', quantity: 1, unitPriceMinor: 100 }],
      shortLines: [{ sku: '<img src=x onerror=alert(2)>', requested: 1, available: 0 }],
    });
    assert.equal(await service.notify(outcome, 'order.rejected.v1'), 'sent');
    const html = String(peer.received[0]?.parsed.html);
    assert.ok(!html.includes('<script>'));
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;'));
    assert.match(peer.received[0]?.parsed.text ?? '', /not have enough stock/);
  });

  it('records a 550 as failed with the server answer and does not throw', async () => {
    service = build();
    peer.refuse({ phase: 'rcpt', code: 550, text: 'No such user here', times: Infinity });
    const outcome = confirmedOutcome({ orderId: randomUUID(), email: 'nobody@example.com' });
    assert.equal(await service.notify(outcome, 'order.confirmed.v1'), 'failed');
    const record = await repository.get(outcome.orderId, outcome.eventId);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.responseCode, 550);
    assert.match(record?.serverResponse ?? '', /550 No such user here/);
    // A redelivery does not try again.
    assert.equal(await service.notify(outcome, 'order.confirmed.v1'), 'duplicate');
    assert.equal(peer.refused.rcpt, 1);
    assert.equal(peer.received.length, 0);
  });

  it('records an address that is not a single mailbox as failed without contacting the server', async () => {
    service = build();
    const outcome = confirmedOutcome({
      orderId: randomUUID(),
      email: 'alice@example.com, mallory@example.com',
    });
    assert.equal(await service.notify(outcome, 'order.confirmed.v1'), 'failed');
    const record = await repository.get(outcome.orderId, outcome.eventId);
    assert.match(record?.serverResponse ?? '', /invalid recipient address/);
    assert.equal(peer.received.length, 0);
  });

  it('throws a transient error on 4xx, then sends once the server accepts', async () => {
    service = build();
    peer.refuse({ phase: 'data', code: 451, text: 'Try again later', times: 2 });
    const outcome = cancelledOutcome({ orderId: randomUUID() });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(service.notify(outcome, 'order.cancelled.v1'), TransientSendError);
      const record = await repository.get(outcome.orderId, outcome.eventId);
      assert.equal(record?.status, 'sending');
      assert.match(record?.lastError ?? '', /451 Try again later/);
    }
    assert.equal(await service.notify(outcome, 'order.cancelled.v1'), 'sent');
    assert.equal(peer.received.length, 1);
    const record = await repository.get(outcome.orderId, outcome.eventId);
    assert.equal(record?.attempts, 3);
    assert.equal(record?.lastError, undefined);
    assert.deepEqual(metrics.counts, { retry: 2, sent: 1 });
  });

  it('throws a transient error when the connection is refused', async () => {
    const closed = new SmtpMailSender({
      smtpUrl: 'smtp://127.0.0.1:9', // discard port: nothing listens
      from: 'orders@eventshop.test',
      connectionTimeoutMs: 2000,
    });
    try {
      const local = new NotifyOrderOutcomeService(repository, closed, new RecordingMetrics(), {
        leaseMs: 60_000,
      });
      const outcome = confirmedOutcome({ orderId: randomUUID() });
      await assert.rejects(local.notify(outcome, 'order.confirmed.v1'), TransientSendError);
      assert.equal((await repository.get(outcome.orderId, outcome.eventId))?.status, 'sending');
    } finally {
      closed.close();
    }
  });

  it('re-sends with the same Message-ID when the process died between send and mark', async () => {
    // "Dies" = the write after the send fails; the record stays `sending` until its lease ends.
    // The lease outlasts the first send and the redelivery on a loaded machine.
    const crashing = Object.create(repository) as NotificationRepository;
    crashing.markSent = () => Promise.reject(new Error('process killed before the mark'));
    const leaseMs = 1_000;
    const first = new NotifyOrderOutcomeService(crashing, mailer, new RecordingMetrics(), {
      leaseMs,
    });
    const outcome = confirmedOutcome({ orderId: randomUUID() });
    await assert.rejects(first.notify(outcome, 'order.confirmed.v1'), /process killed/);
    assert.equal((await repository.get(outcome.orderId, outcome.eventId))?.status, 'sending');

    // The redelivery inside the lease must not send (it is told to retry) …
    const second = new NotifyOrderOutcomeService(repository, mailer, new RecordingMetrics(), {
      leaseMs,
    });
    await assert.rejects(second.notify(outcome, 'order.confirmed.v1'), SendInProgressError);
    assert.equal(peer.received.length, 1);
    // … after it, the event is sent again: at least once, with the same Message-ID.
    await new Promise((resolve) => setTimeout(resolve, leaseMs + 50));
    assert.equal(await second.notify(outcome, 'order.confirmed.v1'), 'sent');
    assert.equal(peer.received.length, 2);
    assert.deepEqual(
      peer.received.map((m) => m.parsed.messageId),
      [`<${outcome.eventId}@eventshop>`, `<${outcome.eventId}@eventshop>`],
    );
    const record = await repository.get(outcome.orderId, outcome.eventId);
    assert.equal(record?.status, 'sent');
    assert.equal(record?.attempts, 2);
  });

  it('treats a server that never greets as transient, within the send timeouts', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket)); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const hung = new SmtpMailSender({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: 'orders@eventshop.test',
      greetingTimeoutMs: 300,
      connectionTimeoutMs: 1000,
    });
    try {
      const local = new NotifyOrderOutcomeService(repository, hung, new RecordingMetrics(), {
        leaseMs: 60_000,
      });
      const outcome = confirmedOutcome({ orderId: randomUUID() });
      await assert.rejects(local.notify(outcome, 'order.confirmed.v1'), TransientSendError);
      const record = await repository.get(outcome.orderId, outcome.eventId);
      assert.equal(record?.status, 'sending');
      assert.match(record?.lastError ?? '', /greeting|timeout/i);
    } finally {
      hung.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('records a compensation-only cancellation without mailing it, once', async () => {
    service = build();
    const outcome = cancelledOutcome({ orderId: randomUUID(), reason: 'late_reservation' });
    assert.equal(await service.notify(outcome, 'order.cancelled.v1'), 'skipped');
    assert.equal(await service.notify(outcome, 'order.cancelled.v1'), 'duplicate');
    assert.equal(peer.received.length, 0);
    assert.equal((await repository.get(outcome.orderId, outcome.eventId))?.status, 'skipped');
  });
});

describe("notifying in the order's sequence (SMTP peer + database)", () => {
  let connection: Connection;
  let repository: NotificationRepository;
  let peer: SmtpPeer;
  let mailer: SmtpMailSender;
  let scope: TestScope;

  before(async () => {
    scope = await testScope('notify-sequence');
    connection = await mongoose.createConnection(scope.env.MONGODB_URI).asPromise();
    const model = connection.model<OrderNotificationsDocument>(
      ORDER_NOTIFICATIONS_MODEL,
      OrderNotificationsSchema,
    );
    await model.init();
    repository = new NotificationRepository(model, new GuardedWrites(connection));
    peer = await new SmtpPeer().start();
    mailer = new SmtpMailSender({ smtpUrl: peer.url, from: 'EventShop <orders@eventshop.test>' });
  });
  afterEach(() => peer.reset());
  after(async () => {
    mailer?.close();
    await peer?.stop();
    await connection?.close();
    await scope?.dispose();
  });

  const service = () =>
    new NotifyOrderOutcomeService(repository, mailer, new RecordingMetrics(), {
      leaseMs: 60_000,
    });

  it('a confirmation that arrives after the cancellation sends nothing', async () => {
    const orderId = randomUUID();
    const cancelled = cancelledOutcome({ orderId, reason: 'customer' });
    const confirmed = confirmedOutcome({ orderId });
    assert.equal(await service().notify(cancelled, 'order.cancelled.v1'), 'sent');
    assert.equal(await service().notify(confirmed, 'order.confirmed.v1'), 'skipped');
    assert.equal(peer.received.length, 1);
    assert.match(peer.received[0]!.parsed.subject ?? '', /cancel/i);
    const record = await repository.get(orderId, confirmed.eventId);
    assert.equal(record?.status, 'skipped');
    assert.match(record?.skipReason ?? '', /ended/);
    // a redelivery of it still sends nothing
    assert.equal(await service().notify(confirmed, 'order.confirmed.v1'), 'duplicate');
    assert.equal(peer.received.length, 1);
  });

  it('a confirmation after a rejection (timeout, compensation not mailed) sends nothing', async () => {
    const orderId = randomUUID();
    const timeout = cancelledOutcome({ orderId, reason: 'timeout' });
    assert.equal(await service().notify(timeout, 'order.cancelled.v1'), 'skipped');
    assert.equal(
      await service().notify(confirmedOutcome({ orderId }), 'order.confirmed.v1'),
      'skipped',
    );
    assert.equal(peer.received.length, 0);
  });

  it('confirmed then cancelled, in order: both are mailed', async () => {
    const orderId = randomUUID();
    assert.equal(
      await service().notify(confirmedOutcome({ orderId }), 'order.confirmed.v1'),
      'sent',
    );
    assert.equal(
      await service().notify(cancelledOutcome({ orderId }), 'order.cancelled.v1'),
      'sent',
    );
    assert.equal(peer.received.length, 2);
  });

  it('a claimed confirmation whose send died is not sent again once the order was cancelled', async () => {
    const orderId = randomUUID();
    const confirmed = confirmedOutcome({ orderId });
    const claimed = await repository.claimFirst(
      {
        eventId: confirmed.eventId,
        eventType: 'order.confirmed.v1',
        kind: 'confirmed',
        orderId,
        recipient: confirmed.email,
        subject: 'x',
        messageId: `<${confirmed.eventId}@eventshop.test>`,
      },
      1,
      new Date(Date.now() - 120_000),
      1_000,
    );
    assert.ok(claimed);
    assert.equal(
      await service().notify(cancelledOutcome({ orderId }), 'order.cancelled.v1'),
      'sent',
    );
    assert.equal(await service().notify(confirmed, 'order.confirmed.v1'), 'skipped');
    assert.equal((await repository.get(orderId, confirmed.eventId))?.status, 'skipped');
    assert.equal(peer.received.length, 1);
  });
});
