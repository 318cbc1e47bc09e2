// Messages waiting in a vhost's queues (ready and unacknowledged), from RabbitMQ's management API:
// a step starts once the work of earlier steps (sagas, notifications, retries) has drained.

export function vhostOf(amqpUrl: string): string {
  const path = new URL(amqpUrl).pathname.slice(1);
  return path === '' ? '/' : decodeURIComponent(path);
}

export function backlogIn(queues: readonly { name: string; messages?: number }[]): number {
  return queues.reduce((sum, q) => sum + (q.messages ?? 0), 0);
}

/** A function that reads the backlog of a vhost; NaN when the management API does not answer. */
export function brokerBacklog(managementUrl: string, amqpUrl: string): () => Promise<number> {
  const u = new URL(managementUrl);
  const auth = Buffer.from(
    `${decodeURIComponent(u.username || 'guest')}:${decodeURIComponent(u.password || 'guest')}`,
  ).toString('base64');
  const url = `${u.origin}/api/queues/${encodeURIComponent(vhostOf(amqpUrl))}?columns=name,messages`;
  return async () => {
    try {
      const res = await fetch(url, {
        headers: { authorization: `Basic ${auth}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) return Number.NaN;
      return backlogIn((await res.json()) as { name: string; messages?: number }[]);
    } catch {
      return Number.NaN;
    }
  };
}
