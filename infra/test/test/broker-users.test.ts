/**
 * The services' broker users (scripts/broker-users.mjs: `make up` creates them, the e2e harness
 * makes its own): on the broker behind AMQP_URL each may publish only the event types it
 * produces, bind only its handlers' routing keys and declare only its own queues; the broker
 * refuses the rest with ACCESS_REFUSED (403). The script runs here for a vhost and users of the
 * test's own, so a running `make up` is not touched.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { parse } from 'yaml';
import { requireEnv } from '../src/env';
import { repoRoot } from '../src/repo';

const EXCHANGE = 'eventshop.events';
const SERVICES = ['order', 'inventory', 'notification'] as const;
type Service = (typeof SERVICES)[number];

interface Topology {
  publishes: Record<Service, string[]>;
  [service: string]: Record<string, unknown>;
}

/** What the chart grants (files/topology.yaml): the types each service produces and binds. */
function expectations() {
  const file = join(repoRoot(), 'helm/eventshop/files/topology.yaml');
  const topology = parse(readFileSync(file, 'utf8')) as Topology;
  const bound = (s: Service) => Object.values(topology[s] as Record<string, string[]>).flat();
  const every = [...new Set(SERVICES.flatMap((s) => [...topology.publishes[s], ...bound(s)]))];
  return { publishes: topology.publishes, bound, every };
}

async function management(method: string, path: string, body?: unknown): Promise<void> {
  const u = new URL(requireEnv('RABBITMQ_MANAGEMENT_URL'));
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  const res = await fetch(`${u.origin}/api${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404) {
    throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  }
}

/** Runs scripts/broker-users.mjs apply; returns each service's AMQP URL. */
async function applyUsers(vhost: string, passwords: string): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(repoRoot(), 'scripts/broker-users.mjs'),
    'apply',
    ...['--management', requireEnv('RABBITMQ_MANAGEMENT_URL')],
    ...['--amqp', requireEnv('AMQP_URL'), '--vhost', vhost, '--prefix', `${vhost}-`],
    ...['--passwords', passwords],
  ]);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** `ok`, or the error the broker closed the channel with (e.g. `403 ... ACCESS_REFUSED ...`). */
async function outcome(
  connection: ChannelModel,
  action: (channel: ConfirmChannel) => Promise<unknown>,
): Promise<string> {
  const channel = await connection.createConfirmChannel();
  let closedWith: (Error & { code?: number }) | undefined;
  channel.on('error', (err: Error) => (closedWith = err));
  try {
    await action(channel);
    await channel.close();
    return 'ok';
  } catch (err) {
    const e = closedWith ?? (err as Error & { code?: number });
    return `${e.code ?? ''} ${e.message}`.trim();
  }
}

function publish(channel: ConfirmChannel, routingKey: string): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(EXCHANGE, routingKey, Buffer.from('{}'), { persistent: true }, (err) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
    );
  });
}

const refused = (result: string, what: string) =>
  assert.match(result, /^403 .*ACCESS_REFUSED/, `${what}: expected ACCESS_REFUSED, got ${result}`);

describe('the services broker users on the broker behind AMQP_URL', () => {
  const vhost = `infra-test-users-${randomBytes(3).toString('hex')}`;
  const passwords = mkdtempSync(join(tmpdir(), 'broker-users-'));
  const expected = expectations();
  const connections = {} as Record<Service, ChannelModel>;
  let urls: Record<string, string>;
  let admin: ChannelModel;

  before(async () => {
    await management('PUT', `/vhosts/${encodeURIComponent(vhost)}`);
    const guest = decodeURIComponent(new URL(requireEnv('AMQP_URL')).username || 'guest');
    await management('PUT', `/permissions/${encodeURIComponent(vhost)}/${guest}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    urls = await applyUsers(vhost, passwords);
    const adminUrl = new URL(requireEnv('AMQP_URL'));
    adminUrl.pathname = `/${encodeURIComponent(vhost)}`;
    admin = await amqp.connect(adminUrl.toString());
    const channel = await admin.createChannel();
    await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue('inventory.infra-test', { durable: false });
    await channel.close();
    for (const service of SERVICES) {
      connections[service] = await amqp.connect(urls[`${service}-service`]!);
      connections[service].on('error', () => undefined);
    }
  });

  after(async () => {
    for (const connection of Object.values(connections)) await connection.close();
    await admin?.close();
    await management('DELETE', `/vhosts/${encodeURIComponent(vhost)}`);
    for (const service of SERVICES) {
      await management('DELETE', `/users/${encodeURIComponent(`${vhost}-${service}-service`)}`);
    }
    rmSync(passwords, { recursive: true, force: true });
  });

  it('gives each service a user of its own, not guest, with a password kept in a 0600 file', () => {
    for (const service of SERVICES) {
      const url = new URL(urls[`${service}-service`]!);
      assert.equal(decodeURIComponent(url.username), `${vhost}-${service}-service`);
      assert.equal(decodeURIComponent(url.pathname.slice(1)), vhost);
      const file = join(passwords, `${service}-service`);
      assert.equal(readFileSync(file, 'utf8').trim(), url.password);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    }
  });

  it('lets each service publish exactly the event types it produces (publisher confirms)', async () => {
    for (const service of SERVICES) {
      for (const type of expected.every) {
        const result = await outcome(connections[service], (ch) => publish(ch, type));
        if (expected.publishes[service].includes(type)) {
          assert.equal(result, 'ok', `${service}-service publishing ${type}`);
        } else {
          refused(result, `${service}-service publishing ${type}`);
          assert.match(result, new RegExp(`topic '${type.replaceAll('.', '\\.')}'`));
        }
      }
    }
  });

  it('lets each service bind its queues with its own handlers routing keys only', async () => {
    for (const service of SERVICES) {
      const queue = `${service}.infra-test`;
      const declared = await outcome(connections[service], (ch) =>
        ch.assertQueue(queue, { durable: false }),
      );
      assert.equal(declared, 'ok', `${service}-service declaring ${queue}`);
      for (const type of expected.every) {
        const result = await outcome(connections[service], (ch) =>
          ch.bindQueue(queue, EXCHANGE, type),
        );
        if (expected.bound(service).includes(type)) {
          assert.equal(result, 'ok', `${service}-service binding ${type}`);
        } else {
          refused(result, `${service}-service binding ${type}`);
        }
      }
    }
  });

  it("refuses a service another service's queues", async () => {
    const order = connections.order;
    refused(
      await outcome(order, (ch) => ch.assertQueue('inventory.order-events', { durable: true })),
      'order-service declaring inventory.order-events',
    );
    refused(
      await outcome(order, (ch) => ch.consume('inventory.infra-test', () => undefined)),
      'order-service consuming inventory.infra-test',
    );
    refused(
      await outcome(order, (ch) => ch.purgeQueue('inventory.infra-test')),
      'order-service purging inventory.infra-test',
    );
  });

  it('is idempotent: a second run keeps every password and grant', async () => {
    assert.deepEqual(await applyUsers(vhost, passwords), urls);
    const again = await amqp.connect(urls['order-service']!);
    try {
      assert.equal(await outcome(again, (ch) => publish(ch, 'order.created.v1')), 'ok');
      refused(
        await outcome(again, (ch) => publish(ch, 'inventory.reserved.v1')),
        'order-service publishing inventory.reserved.v1 after a second run',
      );
    } finally {
      await again.close();
    }
  });
});
