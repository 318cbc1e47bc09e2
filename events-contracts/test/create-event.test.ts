import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_EVENT_TYPES, createEvent, EventTypes, validateEvent } from '../src';
import { ORDER_ID, OTHER_ID, validData } from './fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('createEvent', () => {
  it('fills id, time, specversion, datacontenttype and defaults correlationid to the id', () => {
    const before = Date.now();
    const event = createEvent(EventTypes.OrderCreatedV1, {
      source: '/order-service',
      subject: ORDER_ID,
      data: validData['order.created.v1'],
    });
    assert.match(event.id, UUID);
    assert.equal(event.correlationid, event.id);
    assert.equal(event.specversion, '1.0');
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(event.type, 'order.created.v1');
    assert.ok(Date.parse(event.time) >= before - 1 && Date.parse(event.time) <= Date.now());
    assert.equal('causationid' in event, false);
    assert.equal('traceparent' in event, false);
  });

  it('gives every event a new id', () => {
    const options = { source: '/s', subject: ORDER_ID, data: validData['order.confirmed.v1'] };
    const a = createEvent('order.confirmed.v1', options);
    const b = createEvent('order.confirmed.v1', options);
    assert.notEqual(a.id, b.id);
  });

  it('keeps the given id, time, correlation, causation and traceparent', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = createEvent('inventory.reserved.v1', {
      source: '/inventory-service',
      subject: ORDER_ID,
      data: validData['inventory.reserved.v1'],
      id: OTHER_ID,
      time: new Date('2025-02-01T10:00:00Z'),
      correlationid: 'corr-1',
      causationid: ORDER_ID,
      traceparent,
    });
    assert.deepEqual(event, {
      specversion: '1.0',
      id: OTHER_ID,
      type: 'inventory.reserved.v1',
      source: '/inventory-service',
      time: '2025-02-01T10:00:00.000Z',
      subject: ORDER_ID,
      datacontenttype: 'application/json',
      data: validData['inventory.reserved.v1'],
      correlationid: 'corr-1',
      causationid: ORDER_ID,
      traceparent,
    });
  });

  it('builds events of all eight types that validate', () => {
    assert.equal(ALL_EVENT_TYPES.length, 8);
    for (const type of ALL_EVENT_TYPES) {
      const event = createEvent(type, {
        source: '/test',
        subject: ORDER_ID,
        data: validData[type],
      });
      const result = validateEvent(event);
      assert.deepEqual(result, { ok: true, event }, type);
    }
  });

  it('does not validate (a bad event is built as given)', () => {
    const data = { ...validData['inventory.released.v1'], orderId: 'not-a-uuid' };
    const event = createEvent('inventory.released.v1', { source: '/s', subject: 'x', data });
    assert.equal(event.data.orderId, 'not-a-uuid');
    assert.equal(validateEvent(event).ok, false);
  });
});
