// One load step against a real HTTP server that refuses every other request with 429: what it
// counts as accepted, refused and failed, and whose latency it keeps.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runLoad } from '../src/load';

describe('runLoad', () => {
  let server: Server;
  let url: string;
  let answered = 0;
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // Every other request is refused at once; an accepted one takes 20 ms.
        if (answered++ % 2 === 1) {
          res.writeHead(429, { 'retry-after': '1' }).end();
          return;
        }
        setTimeout(() => res.writeHead(201).end('{}'), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('counts refusals apart and keeps only the accepted requests’ latency', async () => {
    const result = await runLoad({ url, path: '/orders', connections: 1, durationS: 1 });
    assert.ok(result.accepted > 5, `${result.accepted} accepted`);
    assert.ok(Math.abs(result.accepted - result.refused) <= 1, JSON.stringify(result));
    assert.equal(result.failed, result.refused);
    assert.equal(result.serverErrors, 0);
    assert.equal(result.latencies.length, result.accepted);
    assert.ok(
      result.latencies.every((ms) => ms >= 15),
      'no refusal’s quick answer among the latencies',
    );
  });
});
