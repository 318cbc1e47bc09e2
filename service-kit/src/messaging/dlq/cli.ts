#!/usr/bin/env node
// eventshop-dlq: list, show, replay and purge dead-lettered messages of a consumer queue.
import { redactSecrets } from '../../logging/redact';
import { DeadLetterQueue, type ParkedMessage } from './dead-letter-queue';

const USAGE = `usage: eventshop-dlq <command> <queue> [options]   (broker from AMQP_URL)
  list <queue>                 parked messages of <queue>.dlq, one line each
  show <queue> <n|eventId>     one message: headers and body
  replay <queue> --all         move every parked message back to <queue>
  replay <queue> --id <id>...  move the messages of these event ids back
  purge <queue>                delete every parked message`;

function line(m: ParkedMessage): string {
  const error = (m.lastError ?? '').replace(/\s+/g, ' ').slice(0, 120);
  return [
    String(m.position).padStart(3),
    m.eventId ?? '-',
    m.type ?? '-',
    m.reason ?? '-',
    `attempts=${m.attempts ?? '-'}`,
    m.deadAt ?? '-',
    error,
  ].join('  ');
}

export async function main(
  argv: string[],
  out: (s: string) => void = console.log,
): Promise<number> {
  const [command, queue, ...rest] = argv;
  if (!command || !queue || ['-h', '--help', 'help'].includes(command)) {
    out(USAGE);
    return command ? 0 : 2;
  }
  const url = process.env.AMQP_URL;
  if (!url) {
    out('AMQP_URL is not set: export AMQP_URL=amqp://user:password@host:5672/vhost');
    return 2;
  }
  const dlq = await DeadLetterQueue.connect(url);
  try {
    switch (command) {
      case 'list': {
        // One line per message as it is read: a DLQ of any size lists in bounded memory.
        out(`${await dlq.count(queue)} message(s) in ${queue}.dlq`);
        for await (const m of dlq.messages(queue)) out(line(m));
        return 0;
      }
      case 'show': {
        const ref = rest[0];
        if (!ref) break;
        const m = await dlq.show(queue, /^\d+$/.test(ref) ? Number(ref) : ref);
        if (!m) {
          out(`no message ${ref} in ${queue}.dlq`);
          return 1;
        }
        let body: unknown = m.body;
        try {
          body = JSON.parse(m.body);
        } catch {
          // shown as text
        }
        out(JSON.stringify({ ...m, body }, null, 2));
        return 0;
      }
      case 'replay': {
        let n: number;
        if (rest[0] === '--all') n = await dlq.replay(queue, { all: true });
        else if (rest[0] === '--id' && rest.length > 1)
          n = await dlq.replay(queue, { ids: rest.slice(1) });
        else break;
        out(`replayed ${n} message(s) to ${queue}`);
        return 0;
      }
      case 'purge': {
        const n = await dlq.purge(queue);
        out(`purged ${n} message(s) from ${queue}.dlq`);
        return 0;
      }
    }
    out(USAGE);
    return 2;
  } finally {
    await dlq.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(
        `eventshop-dlq: ${redactSecrets(err instanceof Error ? err.message : String(err))}`,
      );
      process.exit(1);
    },
  );
}
