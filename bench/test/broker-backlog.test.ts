import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backlogIn, vhostOf } from '../src/broker-backlog';

describe('broker backlog', () => {
  test('the vhost is the URL path, decoded; none is the default vhost', () => {
    assert.equal(vhostOf('amqp://u:p@127.0.0.1:5672/e2e-abc123'), 'e2e-abc123');
    assert.equal(vhostOf('amqp://127.0.0.1:5672/bench%2Fx'), 'bench/x');
    assert.equal(vhostOf('amqp://127.0.0.1:5672'), '/');
  });

  test('messages are summed over the queues; a queue without stats counts 0', () => {
    assert.equal(
      backlogIn([{ name: 'a', messages: 3 }, { name: 'b' }, { name: 'c', messages: 4 }]),
      7,
    );
    assert.equal(backlogIn([]), 0);
  });
});
