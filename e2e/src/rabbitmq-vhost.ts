// A vhost of the suite's own: its services declare the same exchange and queue names as any other
// EventShop on the broker (`make up`, other suites), and must not take each other's messages.
// In it, each service connects as a broker user of the run's own with the chart's permissions
// (scripts/broker-users.mjs): it may publish only the event types it produces, as in production.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

async function call(managementUrl: string, method: string, path: string, body?: unknown) {
  const u = new URL(managementUrl);
  const user = decodeURIComponent(u.username || 'guest');
  const password = decodeURIComponent(u.password || 'guest');
  const res = await fetch(`${u.origin}/api${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) {
    throw new Error(
      `RabbitMQ management ${method} ${path}: HTTP ${res.status} ${await res.text()}`,
    );
  }
  return method === 'GET' ? ((await res.json()) as unknown) : undefined;
}

export async function createVhost(managementUrl: string, vhost: string, user: string) {
  const v = encodeURIComponent(vhost);
  await call(managementUrl, 'PUT', `/vhosts/${v}`);
  await call(managementUrl, 'PUT', `/permissions/${v}/${encodeURIComponent(user)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
}

export async function deleteVhost(managementUrl: string, vhost: string) {
  await call(managementUrl, 'DELETE', `/vhosts/${encodeURIComponent(vhost)}`);
}

/**
 * Users `<prefix><service>` with fresh passwords and the chart's permissions in `vhost` (see
 * scripts/broker-users.mjs); returns each service's AMQP URL as its user.
 */
export async function createServiceUsers(
  root: string,
  broker: { managementUrl: string; amqpUrl: string },
  vhost: string,
  prefix: string,
): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(root, 'scripts', 'broker-users.mjs'),
    'apply',
    ...['--management', broker.managementUrl, '--amqp', broker.amqpUrl],
    ...['--vhost', vhost, '--prefix', prefix],
  ]);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

export async function deleteUsers(managementUrl: string, users: readonly string[]) {
  for (const user of users) {
    await call(managementUrl, 'DELETE', `/users/${encodeURIComponent(user)}`);
  }
}

/** The user of every connection open to `vhost`. */
export async function connectionUsers(managementUrl: string, vhost: string): Promise<string[]> {
  const path = `/vhosts/${encodeURIComponent(vhost)}/connections?columns=user`;
  const connections = (await call(managementUrl, 'GET', path)) as { user: string }[];
  return connections.map((c) => c.user);
}
