// GET /notifications over real HTTP (Fastify) against the real database, with real JWTs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { ListNotificationsController } from '../../src/http/notifications/list-notifications.controller';
import { NotificationPersistenceModule } from '../../src/persistence/notification-persistence.module';
import { NotificationRepository } from '../../src/persistence/notification.repository';
import { GuardedWrites, JwtAuthGuard, JwtVerifier } from '@eventshop/service-kit';
import type { TestScope } from '@eventshop/service-kit/testing';

import { testScope } from '../support/env';
import { TEST_AUTH, token } from '../support/tokens';

describe('GET /notifications', () => {
  let app: NestFastifyApplication;
  let base: string;
  const orderId = randomUUID();
  const eventIds = [randomUUID(), randomUUID()];

  let scope: TestScope;

  before(async () => {
    scope = await testScope('notifications-http');
    // What the kit's module provides to the whole app.
    @Global()
    @Module({
      providers: [
        {
          provide: GuardedWrites,
          inject: [getConnectionToken()],
          useFactory: (connection: Connection) => new GuardedWrites(connection),
        },
      ],
      exports: [GuardedWrites],
    })
    class KitStandIn {}
    @Module({
      imports: [
        MongooseModule.forRoot(scope.env.MONGODB_URI),
        KitStandIn,
        NotificationPersistenceModule,
      ],
      controllers: [ListNotificationsController],
      providers: [{ provide: JwtVerifier, useValue: new JwtVerifier(TEST_AUTH) }, JwtAuthGuard],
    })
    class TestModule {}
    app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();

    const records = app.get(NotificationRepository);
    const draft = (eventId: string, order: string) => ({
      eventId,
      eventType: 'order.confirmed.v1',
      kind: 'confirmed' as const,
      orderId: order,
      recipient: 'alice@example.com',
      subject: 'Your EventShop order is confirmed',
      messageId: `<${eventId}@eventshop>`,
    });
    await records.claimFirst(
      draft(eventIds[0]!, orderId),
      1,
      new Date('2026-01-01T00:00:00Z'),
      60_000,
    );
    await records.markSent(orderId, eventIds[0]!, '250 OK', new Date('2026-01-01T00:00:01Z'));
    await records.claimFirst(
      draft(eventIds[1]!, orderId),
      2,
      new Date('2026-01-01T00:00:02Z'),
      60_000,
    );
    await records.markFailed(
      orderId,
      eventIds[1]!,
      { answer: '550 No such user', responseCode: 550 },
      new Date('2026-01-01T00:00:03Z'),
    );
    await records.claimFirst(draft(randomUUID(), randomUUID()), 1, new Date(), 60_000);
  });

  after(async () => {
    await app?.close();
    await scope?.dispose();
  });

  const get = (path: string, bearer?: string) =>
    fetch(`${base}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  it('lists what was sent and what failed for an order, for an admin', async () => {
    const response = await get(
      `/notifications?orderId=${orderId}`,
      await token({ sub: 'ops', roles: ['admin'] }),
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as { items: Record<string, unknown>[] };
    assert.deepEqual(
      body.items.map((i) => [i.eventId, i.status, i.serverResponse]),
      [
        [eventIds[0], 'sent', '250 OK'],
        [eventIds[1], 'failed', '550 No such user'],
      ],
    );
    assert.equal(body.items[1]?.responseCode, 550);
    assert.equal(body.items[0]?.sentAt, '2026-01-01T00:00:01.000Z');
  });

  it('answers 401 problem+json without a token, with an expired one or a wrong audience', async () => {
    const bad = [
      undefined,
      await token(
        { sub: 'ops', roles: ['admin'] },
        { expiresIn: Math.floor(Date.now() / 1000) - 60 },
      ),
      await token({ sub: 'ops', roles: ['admin'] }, { audience: 'someone-else' }),
      await token(
        { sub: 'ops', roles: ['admin'] },
        { secret: 'another-secret-of-thirty-two-bytes!!!!' },
      ),
    ];
    for (const bearer of bad) {
      const response = await get(`/notifications?orderId=${orderId}`, bearer);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      const problem = (await response.json()) as { status: number; type: string };
      assert.equal(problem.status, 401);
      assert.equal(problem.type, 'urn:eventshop:problem:unauthorized');
    }
  });

  it('answers 403 to a customer token', async () => {
    const response = await get(`/notifications?orderId=${orderId}`, await token({ sub: 'alice' }));
    assert.equal(response.status, 403);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('answers 400 without a valid order id', async () => {
    const admin = await token({ sub: 'ops', roles: ['admin'] });
    for (const query of ['', '?orderId=', '?orderId=not-a-uuid', '?orderId[$ne]=x']) {
      const response = await get(`/notifications${query}`, admin);
      assert.equal(response.status, 400, query);
      const problem = (await response.json()) as { errors: { path: string }[] };
      assert.equal(problem.errors[0]?.path, 'orderId');
    }
  });
});
