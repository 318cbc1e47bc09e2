/** RabbitMQ management HTTP API calls the harness needs (vhosts for test isolation). */

/** `amqp://u:p@host:5672/x` → `http://u:p@host:15672`. */
export function managementUrlFor(amqpUrl: string): string {
  const u = new URL(amqpUrl);
  const auth = u.username ? `${u.username}:${u.password}@` : 'guest:guest@';
  return `http://${auth}${u.hostname}:15672`;
}

async function call(
  managementUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const u = new URL(managementUrl);
  const user = decodeURIComponent(u.username || 'guest');
  const password = decodeURIComponent(u.password || 'guest');
  u.username = '';
  u.password = '';
  const url = `${u.origin}${u.pathname.replace(/\/$/, '')}${path}`;
  const res = await fetch(url, {
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
}

export async function createVhost(
  managementUrl: string,
  vhost: string,
  user: string,
): Promise<void> {
  const v = encodeURIComponent(vhost);
  await call(managementUrl, 'PUT', `/api/vhosts/${v}`);
  await call(
    managementUrl,
    'PUT',
    `/api/permissions/${v}/${encodeURIComponent(decodeURIComponent(user))}`,
    {
      configure: '.*',
      write: '.*',
      read: '.*',
    },
  );
}

export async function deleteVhost(managementUrl: string, vhost: string): Promise<void> {
  await call(managementUrl, 'DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`);
}

/** Waits until the management API answers (it starts after AMQP). */
export async function waitForManagement(managementUrl: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await call(managementUrl, 'GET', '/api/overview');
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
