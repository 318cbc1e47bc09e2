// The DLQ command reads a DLQ one message at a time: a DLQ larger than the command's heap lists
// and replays (it used to take the whole DLQ into memory first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { deadLetterQueue, workQueue } from '../../src/messaging/topology';
import type { TestScope } from '../../src/testing';
import { fileScope, queueDepth } from '../helpers';

const QUEUE = 'test.big-dlq';
const PARKED = 1_000;
/** 1,000 bodies of 64 KiB: 64 MiB of messages, well beyond the command's 24 MiB heap. */
const BODY = Buffer.alloc(64 * 1024, 'x');
const CLI = join(__dirname, '..', '..', 'src', 'messaging', 'dlq', 'cli.js');

let scope: TestScope;

before(async () => {
  scope = await fileScope('dlq-streams');
  const connection = await amqp.connect(scope.env.AMQP_URL);
  try {
    const ch = await connection.createConfirmChannel();
    for (const q of [deadLetterQueue(QUEUE), workQueue(QUEUE)]) {
      await ch.assertQueue(q.name, { durable: true, arguments: q.arguments });
    }
    for (let i = 1; i <= PARKED; i++) {
      ch.sendToQueue(`${QUEUE}.dlq`, BODY, {
        persistent: true,
        messageId: `m-${i}`,
        headers: { 'x-eventshop-dead-reason': 'exhausted', 'x-eventshop-queue': QUEUE },
      });
      if (i % 100 === 0) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
  } finally {
    await connection.close();
  }
});
after(async () => {
  await scope?.dispose();
});

/** Runs the command in a process of its own with a small heap. */
function dlqCommand(...args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['--max-old-space-size=24', CLI, ...args], {
    env: { ...process.env, AMQP_URL: scope.env.AMQP_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => resolve({ code, lines: output.split('\n').filter(Boolean) })),
  );
}

test('lists a DLQ larger than its heap, one line per message, and changes nothing', async () => {
  const { code, lines } = await dlqCommand('list', QUEUE);
  assert.equal(code, 0, lines.slice(-5).join('\n'));
  assert.equal(lines[0], `${PARKED} message(s) in ${QUEUE}.dlq`);
  assert.equal(lines.length, PARKED + 1);
  assert.match(lines[1]!, /^ {2}1 {2}m-1 .* exhausted /);
  assert.match(lines.at(-1)!, new RegExp(`^${PARKED} {2}m-${PARKED} `));
  assert.equal(await queueDepth(scope, `${QUEUE}.dlq`), PARKED);

  const shown = await dlqCommand('show', QUEUE, `m-${PARKED - 1}`);
  assert.equal(shown.code, 0, shown.lines.slice(-5).join('\n'));
  // Positions are those of one pass: messages a pass returns may come back in another order.
  assert.match(
    shown.lines.join('\n'),
    new RegExp(`"position": \\d+,\\s+"eventId": "m-${PARKED - 1}"`),
  );
  assert.equal(await queueDepth(scope, `${QUEUE}.dlq`), PARKED);
});

test('replays selected ids and then all of a DLQ larger than its heap, in pages', async () => {
  const picked = await dlqCommand('replay', QUEUE, '--id', 'm-5', 'm-700');
  assert.equal(picked.code, 0, picked.lines.join('\n'));
  assert.deepEqual(picked.lines, [`replayed 2 message(s) to ${QUEUE}`]);
  assert.equal(await queueDepth(scope, QUEUE), 2);
  assert.equal(await queueDepth(scope, `${QUEUE}.dlq`), PARKED - 2);

  const all = await dlqCommand('replay', QUEUE, '--all');
  assert.equal(all.code, 0, all.lines.join('\n'));
  assert.deepEqual(all.lines, [`replayed ${PARKED - 2} message(s) to ${QUEUE}`]);
  assert.equal(await queueDepth(scope, QUEUE), PARKED);
  assert.equal(await queueDepth(scope, `${QUEUE}.dlq`), 0);
});
