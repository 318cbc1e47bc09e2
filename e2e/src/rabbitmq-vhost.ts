// A vhost of the suite's own: its services declare the same exchange and queue names as any other
// EventShop on the broker (`make up`, other suites), and must not take each other's messages.

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
