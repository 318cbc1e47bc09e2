// The database commands an order's e-mail costs this service, counted on its own connection
// against the real database and broker and an SMTP peer: order.confirmed.v1 consumed through to
// the server's acceptance; then the customer's cancellation of the same order (the second
// outcome, mailed after the first); then the confirmation delivered again (nothing is mailed).
// Upper bounds: a change that adds a command per e-mail fails here.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';

import { type AnyCloudEvent, createEvent, EventTypes } from '@eventshop/events-contracts';
import { createServiceApp, MetricsService } from '@eventshop/service-kit';
import {
  CommandCounter,
  type CommandCounts,
  describeCounts,
  testInfra,
  type TestScope,
  total,
  withCommandMonitoring,
} from '@eventshop/service-kit/testing';
import type { INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';

import { AppModule } from '../../src/app.module';
import { TestPublisher } from '../support/broker';
import { SmtpPeer, waitFor } from '../support/smtp-peer';
import { TEST_AUTH } from '../support/tokens';

const order = {
  orderId: randomUUID(),
  userId: 'alice',
  email: 'alice@example.com',
  currency: 'EUR',
  totalMinor: 3797,
  lines: [
    { sku: 'MUG-RED', quantity: 2, unitPriceMinor: 699 },
    { sku: 'TEE-L', quantity: 1, unitPriceMinor: 2399 },
  ],
};

describe('database commands per e-mail', () => {
  let peer: SmtpPeer;
  let scope: TestScope;
  let app: INestApplication;
  let publisher: TestPublisher;
  let counter: CommandCounter;

  before(async () => {
    peer = await new SmtpPeer().start();
    scope = await (await testInfra()).scope('notification-commands');
    app = await createServiceApp(AppModule, {
      env: {
        ...scope.env,
        MONGODB_URI: withCommandMonitoring(scope.env.MONGODB_URI),
        SMTP_URL: peer.url,
        MAIL_FROM: 'EventShop <orders@eventshop.test>',
        AUTH_ISSUER: TEST_AUTH.issuer,
        AUTH_AUDIENCE: TEST_AUTH.audience,
        AUTH_HS256_SECRET: TEST_AUTH.hs256Secret,
        RETRY_DELAYS: '100ms,200ms,400ms,5s',
        NOTIFICATION_SEND_LEASE: '5s',
        LOG_LEVEL: 'warn',
      },
    });
    await app.init();
    publisher = await TestPublisher.connect(scope.env.AMQP_URL);
    counter = new CommandCounter(app.get<Connection>(getConnectionToken()));
  });
  after(async () => {
    await publisher?.close();
    await app?.close();
    await scope?.dispose();
    await peer?.stop();
  });

  async function acks(type: string): Promise<number> {
    const metric = app
      .get(MetricsService)
      .registry.getSingleMetric('eventshop_events_consumed_total');
    const values = metric ? (await metric.get()).values : [];
    return values
      .filter((v) => v.labels['type'] === type && v.labels['outcome'] === 'ack')
      .reduce((sum, v) => sum + v.value, 0);
  }

  /** Publishes the event and counts the commands until this service acknowledged it. */
  async function counted(event: AnyCloudEvent): Promise<CommandCounts> {
    const before = await acks(event.type);
    counter.start();
    await publisher.publish(event);
    await waitFor(`${event.type} acknowledged`, async () => (await acks(event.type)) > before);
    return counter.stop();
  }

  function report(c: TestContext, title: string, counts: CommandCounts): void {
    c.diagnostic(`${title}:\n${describeCounts(counts)}`);
  }

  it('an order confirmed, then cancelled, then its confirmation delivered again', async (c) => {
    const confirmed = createEvent(EventTypes.OrderConfirmedV1, {
      source: '/order-service',
      subject: order.orderId,
      data: order,
    });
    const cancelled = createEvent(EventTypes.OrderCancelledV1, {
      source: '/order-service',
      subject: order.orderId,
      data: { ...order, reason: 'customer' },
    });

    const confirmation = await counted(confirmed);
    report(c, 'order.confirmed.v1 mailed', confirmation);
    assert.equal(peer.received.length, 1);

    const cancellation = await counted(cancelled);
    report(c, 'order.cancelled.v1 mailed after the confirmation', cancellation);
    assert.equal(peer.received.length, 2);

    const duplicate = await counted(confirmed);
    report(c, 'order.confirmed.v1 delivered again', duplicate);
    assert.equal(peer.received.length, 2, 'nothing mailed again');

    assert.ok(total(confirmation) <= 2, `confirmation: ${total(confirmation)} commands`);
    assert.ok(total(cancellation) <= 2, `cancellation: ${total(cancellation)} commands`);
    assert.ok(total(duplicate) <= 2, `duplicate: ${total(duplicate)} commands`);
  });
});
