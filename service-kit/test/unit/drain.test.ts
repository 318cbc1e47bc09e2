import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { drainInFlight } from '../../src/messaging/consumer/drain';

const after = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('drainInFlight (shutdown waits for deliveries in progress)', () => {
  test('nothing in flight: true at once', async () => {
    assert.equal(await drainInFlight(new Set(), 1_000), true);
  });

  test('a delivery handed over while it waits is waited for too', async () => {
    const inFlight = new Set<Promise<unknown>>();
    const finished: string[] = [];
    const track = (name: string, ms: number): void => {
      const run: Promise<void> = after(ms).then(() => {
        finished.push(name);
        inFlight.delete(run);
      });
      inFlight.add(run);
    };
    track('first', 30);
    // Arrives after the wait began and outlives the first.
    setTimeout(() => track('late', 60), 10);
    assert.equal(await drainInFlight(inFlight, 2_000), true);
    assert.deepEqual(finished, ['first', 'late']);
    assert.equal(inFlight.size, 0);
  });

  test('a failed delivery counts as finished', async () => {
    const failed = Promise.reject(new Error('handler failed'));
    failed.catch(() => undefined); // the consumer handles it; here it must only settle
    assert.equal(await drainInFlight(new Set([failed]), 1_000), true);
  });

  test('one that settled but is still listed is not waited for again', async () => {
    const done = Promise.resolve();
    assert.equal(await drainInFlight(new Set([done]), 1_000), true);
  });

  test('one that never finishes: false once the time is up, not later', async () => {
    const inFlight = new Set<Promise<unknown>>([new Promise(() => undefined)]);
    const started = Date.now();
    assert.equal(await drainInFlight(inFlight, 100), false);
    const took = Date.now() - started;
    assert.ok(took >= 95 && took < 1_000, `returned after ${took} ms`);
  });
});
