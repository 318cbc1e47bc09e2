// The whole service as it runs: the real broker (own vhost), the real database (own database),
// a real SMTP server in-process, events published to the exchange as order-service publishes
// them, fast retry tiers. Uses the service kit's test harness.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';

import {
  type AnyCloudEvent,
  createEvent,
  EventTypes,
  type OrderLine,
} from '@eventshop/events-contracts';
import { createServiceApp } from '@eventshop/service-kit';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { testInfra } from '@eventshop/service-kit/testing';
import type { INestApplication } from '@nestjs/common';

import { AppModule } from '../../src/app.module';
import { sampleSum, TestPublisher } from '../support/broker';
import { SmtpPeer, waitFor } from '../support/smtp-peer';
import { TEST_AUTH, token } from '../support/tokens';

const QUEUE = 'notification.order-events';
const FROM = 'EventShop <orders@eventshop.test>';

function orderData(overrides: { email?: string; lines?: OrderLine[]; currency?: string } = {}) {
  const lines = overrides.lines ?? [
    { sku: 'MUG-RED', quantity: 2, unitPriceMinor: 1299 },
    { sku: 'TEE-L', quantity: 1, unitPriceMinor: 2399 },
  ];
  return {
    orderId: randomUUID(),
    userId: 'alice',
    email: overrides.email ?? 'alice@example.com',
    currency: overrides.currency ?? 'EUR',
    totalMinor: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0),
    lines,
  };
}

const confirmed = (data = orderData()) =>
  createEvent(EventTypes.OrderConfirmedV1, {
    source: '/order-service',
    subject: data.orderId,
    data,
  });

describe('notification-service with broker, database and SMTP peer', () => {
  let peer: SmtpPeer;
  let infra: Awaited<ReturnType<typeof testInfra>>;
  let scope: Awaited<ReturnType<typeof infra.scope>>;
  let app: INestApplication;
  let base: string;
  let publisher: TestPublisher;
  let admin: string;

  before(async () => {
    peer = await new SmtpPeer().start();
    infra = await testInfra();
    scope = await infra.scope('notification-service');
    app = await createServiceApp(AppModule, {
      env: {
        ...scope.env,
        SMTP_URL: peer.url,
        MAIL_FROM: FROM,
        AUTH_ISSUER: TEST_AUTH.issuer,
        AUTH_AUDIENCE: TEST_AUTH.audience,
        AUTH_HS256_SECRET: TEST_AUTH.hs256Secret,
        // Fast tiers; the lease is shorter than all of them together (see leaseWarning).
        RETRY_DELAYS: '100ms,200ms,400ms,5s',
        NOTIFICATION_SEND_LEASE: '5s',
        LOG_LEVEL: 'warn',
      },
    });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    publisher = await TestPublisher.connect(scope.env.AMQP_URL);
    admin = await token({ sub: 'ops', roles: ['admin'] });
  });

  beforeEach(() => peer.reset());

  after(async () => {
    await publisher?.close();
    await app?.close();
    await scope?.dispose();
    await peer?.stop();
  });

  async function metrics(): Promise<string> {
    return (await fetch(`${base}/metrics`)).text();
  }

  /**
   * Waits until `count` more deliveries of `type` than `before` were finally acknowledged (a
   * delivery sent to a retry tier counts once it is back and acked).
   */
  async function consumed(type: string, before: number, count: number): Promise<void> {
    await waitFor(`${count} deliveries of ${type}`, async () => {
      const now = sampleSum(await metrics(), 'eventshop_events_consumed_total', {
        type,
        outcome: 'ack',
      });
      return now >= before + count;
    });
  }

  async function consumedSoFar(type: string): Promise<number> {
    return sampleSum(await metrics(), 'eventshop_events_consumed_total', { type, outcome: 'ack' });
  }

  async function notifications(orderId: string): Promise<Record<string, unknown>[]> {
    const response = await fetch(`${base}/notifications?orderId=${orderId}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { items: Record<string, unknown>[] }).items;
  }

  function mailFor(event: AnyCloudEvent) {
    return peer.received.find((m) => m.parsed.messageId === `<${event.id}@eventshop>`);
  }

  it("keeps an order's notifications in one document, found by `_id` only", async () => {
    const event = confirmed();
    const before = await consumedSoFar(EventTypes.OrderConfirmedV1);
    await publisher.publish(event);
    await consumed(EventTypes.OrderConfirmedV1, before, 1);
    const connection = app.get<Connection>(getConnectionToken());
    const collection = connection.collection('order_notifications');
    const indexes = await collection.listIndexes().toArray();
    assert.deepEqual(
      indexes.map((i) => JSON.stringify(i['key'])),
      ['{"_id":1}'],
    );
    const doc = await collection.findOne({ _id: event.data.orderId as never });
    assert.equal(doc?.['stage'], 1);
    assert.equal(doc?.['sendLeaseBy'], undefined, 'the lease was given back with the mark');
    assert.equal(doc?.['events']?.[event.id]?.status, 'sent');
  });

  it('sends one e-mail per terminal order event, with recipient, subject and escaped content', async () => {
    const ok = confirmed(
      orderData({
        email: 'carol@example.com',
        currency: 'JPY',
        lines: [{ sku: 'TEA', quantity: 3, unitPriceMinor: 1000 }],
      }),
    );
    const rejectedData = orderData({ email: 'dave@example.com' });
    const rejected = createEvent(EventTypes.OrderRejectedV1, {
      source: '/order-service',
      subject: rejectedData.orderId,
      data: {
        ...rejectedData,
        reason: 'insufficient_stock',
        shortLines: [{ sku: 'MUG-RED', requested: 2, available: 1 }],
      },
    });
    // SKUs are strictly patterned by the contracts; the address is the free-form value that
    // reaches the HTML. One with the HTML-significant characters a mailbox may contain:
    const cancelledData = orderData({ email: "o'hara&sons@example.com" });
    const cancelled = createEvent(EventTypes.OrderCancelledV1, {
      source: '/order-service',
      subject: cancelledData.orderId,
      data: { ...cancelledData, reason: 'customer' },
    });
    for (const event of [ok, rejected, cancelled]) await publisher.publish(event);

    await waitFor('three e-mails', () => peer.received.length >= 3);
    assert.equal(peer.received.length, 3);

    const okMail = mailFor(ok);
    assert.deepEqual(okMail?.envelopeTo, ['carol@example.com']);
    assert.match(okMail?.parsed.subject ?? '', /is confirmed$/);
    assert.match(okMail?.parsed.text ?? '', /Total: ¥3,000/);
    assert.equal(okMail?.parsed.from?.value[0]?.address, 'orders@eventshop.test');

    const rejectedMail = mailFor(rejected);
    assert.deepEqual(rejectedMail?.envelopeTo, ['dave@example.com']);
    assert.match(rejectedMail?.parsed.subject ?? '', /could not be accepted$/);
    assert.match(rejectedMail?.parsed.text ?? '', /not have enough stock/);
    assert.match(rejectedMail?.parsed.text ?? '', /MUG-RED: you asked for 2, we have 1/);

    const cancelledMail = mailFor(cancelled);
    assert.match(cancelledMail?.parsed.subject ?? '', /has been cancelled$/);
    assert.deepEqual(cancelledMail?.envelopeTo, ["o'hara&sons@example.com"]);
    const html = String(cancelledMail?.parsed.html);
    assert.ok(html.includes('o&#39;hara&amp;sons@example.com'), 'address escaped in the HTML');
    assert.ok(!html.includes("o'hara&sons"), 'no unescaped address in the HTML');
    assert.match(cancelledMail?.parsed.text ?? '', /sent to o'hara&sons@example\.com/);

    // The record is marked after the server's answer: on another pooled connection than the
    // listing, so wait for the mark rather than racing it.
    await waitFor(
      'the record marked sent',
      async () => (await notifications(ok.data.orderId))[0]?.['status'] === 'sent',
    );
    const [record] = await notifications(ok.data.orderId);
    assert.equal(record?.messageId, `<${ok.id}@eventshop>`);
  });

  it('records an address with markup as failed and mails nothing to it', async () => {
    // The contracts accept it (no spaces, one @, dotted domain); it is not one plain mailbox.
    const event = confirmed(orderData({ email: '<script>alert(1)</script>@example.com' }));
    const before = await consumedSoFar(EventTypes.OrderConfirmedV1);
    await publisher.publish(event);
    await consumed(EventTypes.OrderConfirmedV1, before, 1);
    const [record] = await notifications(event.data.orderId);
    assert.equal(record?.status, 'failed');
    assert.match(String(record?.serverResponse), /invalid recipient address/);
    assert.equal(peer.received.length, 0);
  });

  it('does not mail a compensation-only cancellation, and records why', async () => {
    const data = orderData();
    const before = await consumedSoFar(EventTypes.OrderCancelledV1);
    const event = createEvent(EventTypes.OrderCancelledV1, {
      source: '/order-service',
      subject: data.orderId,
      data: { ...data, reason: 'late_reservation' },
    });
    await publisher.publish(event);
    await consumed(EventTypes.OrderCancelledV1, before, 1);
    const [record] = await notifications(data.orderId);
    assert.equal(record?.status, 'skipped');
    assert.equal(peer.received.length, 0);
  });

  it('sends one e-mail for an event delivered three times', async () => {
    const event = confirmed();
    const before = await consumedSoFar(EventTypes.OrderConfirmedV1);
    for (let i = 0; i < 3; i++) await publisher.publish(event);
    await consumed(EventTypes.OrderConfirmedV1, before, 3);
    assert.equal(peer.received.length, 1);
    const records = await notifications(event.data.orderId);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.attempts, 1);
  });

  it('retries through the tiers when the server refuses twice, then sends one e-mail', async () => {
    peer.refuse({ phase: 'data', code: 451, text: 'Try again later', times: 2 });
    const event = confirmed();
    await publisher.publish(event);
    await waitFor('the e-mail after two refusals', () => peer.received.length >= 1);
    assert.equal(peer.refused.data, 2);
    assert.equal(peer.received.length, 1);
    assert.equal(mailFor(event)?.parsed.messageId, `<${event.id}@eventshop>`);
    await waitFor(
      'the record marked sent',
      async () => (await notifications(event.data.orderId))[0]?.status === 'sent',
    );
    const [record] = await notifications(event.data.orderId);
    assert.equal(record?.attempts, 3);
    assert.equal(await publisher.messageCount(`${QUEUE}.dlq`), 0);
  });

  it('records a 550 as failed without retrying, and keeps consuming', async () => {
    peer.refuse({
      phase: 'rcpt',
      code: 550,
      text: 'No such user here',
      times: Infinity,
      recipient: 'nobody@example.com',
    });
    const bad = confirmed(orderData({ email: 'nobody@example.com' }));
    const good = confirmed(orderData({ email: 'erin@example.com' }));
    const before = await consumedSoFar(EventTypes.OrderConfirmedV1);
    await publisher.publish(bad);
    await publisher.publish(good);
    await waitFor('the next e-mail', () => peer.received.length >= 1);
    await consumed(EventTypes.OrderConfirmedV1, before, 2);
    assert.deepEqual(
      peer.received.map((m) => m.envelopeTo),
      [['erin@example.com']],
    );
    assert.equal(peer.refused.rcpt, 1, 'the refused address was tried once');

    const [record] = await notifications(bad.data.orderId);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.responseCode, 550);
    assert.match(String(record?.serverResponse), /550 No such user here/);
    assert.equal(record?.attempts, 1);
    assert.equal(await publisher.messageCount(`${QUEUE}.dlq`), 0);

    const text = await metrics();
    assert.ok(sampleSum(text, 'eventshop_notifications_total', { outcome: 'failed' }) >= 1);
    assert.ok(sampleSum(text, 'eventshop_notifications_total', { outcome: 'sent' }) >= 1);
  });
});
