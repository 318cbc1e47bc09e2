import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_EVENT_TYPES,
  createEvent,
  parseEvent,
  validateEvent,
  validateEventData,
  type AnyCloudEvent,
  type EventType,
  type ValidationError,
} from '../src';
import { copy, ORDER_ID, validData } from './fixtures';

function eventOf(type: EventType): Record<string, unknown> {
  const event = createEvent(type, { source: '/test', subject: ORDER_ID, data: validData[type] });
  return copy(event) as unknown as Record<string, unknown>;
}

/** A valid order.created.v1 as a mutable plain object. */
function orderCreated(): {
  data: Record<string, unknown> & { lines: Record<string, unknown>[] };
} & Record<string, unknown> {
  return eventOf('order.created.v1') as ReturnType<typeof orderCreated>;
}

function errorsOf(value: unknown): ValidationError[] {
  const result = validateEvent(value);
  assert.equal(result.ok, false, 'expected the event to be rejected');
  return result.ok ? [] : result.errors;
}

function pathsOf(value: unknown): string[] {
  return errorsOf(value).map((e) => e.path);
}

describe('validateEvent', () => {
  for (const type of ALL_EVENT_TYPES) {
    it(`accepts a valid ${type}`, () => {
      const event = eventOf(type);
      const result = validateEvent(event);
      assert.equal(result.ok, true, JSON.stringify(result));
      if (result.ok) assert.equal(result.event, event as unknown as AnyCloudEvent);
    });
  }

  it('reports a quantity of the wrong type at its JSON pointer', () => {
    const event = orderCreated();
    event.data.lines[0]!['quantity'] = '2';
    assert.deepEqual(errorsOf(event), [
      { path: '/data/lines/0/quantity', message: 'Expected integer' },
    ]);
  });

  it('reports quantities outside 1..1000 and fractional ones', () => {
    for (const quantity of [0, 1001, 1.5]) {
      const event = orderCreated();
      event.data.lines[0]!['quantity'] = quantity;
      assert.deepEqual(pathsOf(event), ['/data/lines/0/quantity'], `quantity ${quantity}`);
    }
  });

  it('reports a missing data field once, as required', () => {
    const event = orderCreated();
    delete event.data['email'];
    assert.deepEqual(errorsOf(event), [
      { path: '/data/email', message: 'Required property is missing' },
    ]);
  });

  it('reports a missing envelope attribute', () => {
    const event = orderCreated();
    delete event['correlationid'];
    assert.deepEqual(pathsOf(event), ['/correlationid']);
  });

  it('reports an SKU that breaks the pattern or the length limit', () => {
    const event = orderCreated();
    event.data.lines[0]!['sku'] = 'tshirt red';
    const [error] = errorsOf(event);
    assert.equal(error?.path, '/data/lines/0/sku');
    assert.match(error?.message ?? '', /\^\[A-Z0-9\]/);

    const long = orderCreated();
    long.data.lines[0]!['sku'] = 'A'.repeat(65);
    assert.deepEqual(pathsOf(long), ['/data/lines/0/sku']);
  });

  it('reports an unknown event type at /type only', () => {
    const event = { ...orderCreated(), type: 'order.shipped.v1' };
    const errors = errorsOf(event);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.path, '/type');
    assert.match(errors[0]?.message ?? '', /unknown event type "order\.shipped\.v1"/);
  });

  it('reports a non-UUID event id and a non-UUID order id', () => {
    const event = { ...orderCreated(), id: 'evt-1' };
    assert.deepEqual(errorsOf(event), [
      { path: '/id', message: "Expected string to match 'uuid' format" },
    ]);
    const data = orderCreated();
    data.data['orderId'] = '3f0c8a4e5b7d4c1e9a2f6d8e0b1c2a3f';
    assert.deepEqual(pathsOf(data), ['/data/orderId']);
  });

  it('reports times that are not RFC 3339 or not a real date', () => {
    for (const time of ['2025-01-31 12:00:00', '2025-02-30T10:00:00Z', 'yesterday']) {
      assert.deepEqual(pathsOf({ ...orderCreated(), time }), ['/time'], time);
    }
    const created = orderCreated();
    created.data['createdAt'] = '2025-13-01T00:00:00Z';
    assert.deepEqual(pathsOf(created), ['/data/createdAt']);
  });

  it('accepts RFC 3339 times with an offset and fractions', () => {
    const event = { ...orderCreated(), time: '2025-01-31T12:00:00.123456+01:00' };
    assert.equal(validateEvent(event).ok, true);
  });

  it('reports a bad e-mail, currency, money amount and enum value', () => {
    const event = eventOf('order.rejected.v1') as { data: Record<string, unknown> };
    event.data['email'] = 'not an email';
    event.data['currency'] = 'eur';
    event.data['totalMinor'] = -1;
    event.data['reason'] = 'out_of_stock';
    const errors = errorsOf(event);
    assert.deepEqual(
      errors.map((e) => e.path),
      ['/data/email', '/data/currency', '/data/totalMinor', '/data/reason'],
    );
    assert.equal(
      errors[3]?.message,
      'Expected one of "insufficient_stock", "unknown_product", "timeout"',
    );
  });

  it('requires 1..100 order lines', () => {
    const empty = orderCreated();
    empty.data.lines = [];
    assert.deepEqual(pathsOf(empty), ['/data/lines']);
    const many = orderCreated();
    many.data.lines = Array.from({ length: 101 }, () => ({ ...many.data.lines[0] }));
    assert.deepEqual(pathsOf(many), ['/data/lines']);
  });

  it('rejects a wrong specversion, datacontenttype and traceparent', () => {
    const event = {
      ...orderCreated(),
      specversion: '0.3',
      datacontenttype: 'text/plain',
      traceparent: 'abc',
    };
    assert.deepEqual(pathsOf(event), ['/specversion', '/datacontenttype', '/traceparent']);
  });

  it('rejects values that are not objects at path ""', () => {
    for (const value of [null, 42, 'event', [1]]) {
      assert.ok(pathsOf(value).includes(''), JSON.stringify(value));
    }
  });

  it('tolerates extra fields in data and extra extension attributes', () => {
    const event = orderCreated();
    event.data['giftWrap'] = true;
    event.data.lines[0]!['note'] = 'fragile';
    event['tenantid'] = 'acme';
    assert.equal(validateEvent(event).ok, true);
  });
});

describe('parseEvent', () => {
  it('parses a Buffer and a string', () => {
    const event = eventOf('inventory.released.v1');
    const fromBuffer = parseEvent(Buffer.from(JSON.stringify(event)));
    const fromString = parseEvent(JSON.stringify(event));
    assert.deepEqual(fromBuffer, { ok: true, event });
    assert.deepEqual(fromString, { ok: true, event });
  });

  it('reports bad JSON at path ""', () => {
    const result = parseEvent('{"specversion": "1.0",');
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.errors.length, 1);
      assert.equal(result.errors[0]?.path, '');
      assert.match(result.errors[0]?.message ?? '', /^invalid JSON: /);
    }
  });

  it('reports schema errors of well-formed JSON like validateEvent', () => {
    const event = orderCreated();
    event.data.lines[0]!['quantity'] = '2';
    const result = parseEvent(Buffer.from(JSON.stringify(event)));
    assert.deepEqual(result, validateEvent(event));
  });
});

describe('validateEventData', () => {
  for (const type of ALL_EVENT_TYPES) {
    it(`accepts valid data of ${type}`, () => {
      const data = copy(validData[type]);
      assert.deepEqual(validateEventData(type, data), { ok: true, event: data, data });
    });
  }

  it('reports paths relative to the data', () => {
    const data = copy(validData['order.created.v1']) as unknown as {
      lines: Record<string, unknown>[];
    };
    data.lines[0]!['quantity'] = 'two';
    const result = validateEventData('order.created.v1', data);
    assert.deepEqual(result, {
      ok: false,
      errors: [{ path: '/lines/0/quantity', message: 'Expected integer' }],
    });
  });

  it('reports product-updated rules: version >= 1, boolean active, name length', () => {
    const data = {
      ...validData['inventory.product-updated.v1'],
      version: 0,
      active: 'yes',
      name: '',
    };
    const result = validateEventData('inventory.product-updated.v1', data);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.deepEqual(result.errors.map((e) => e.path).sort(), ['/active', '/name', '/version']);
    }
  });

  it('accepts an empty released list and empty short lines', () => {
    assert.equal(
      validateEventData('inventory.released.v1', { orderId: ORDER_ID, lines: [] }).ok,
      true,
    );
    assert.equal(
      validateEventData('inventory.reservation-failed.v1', {
        orderId: ORDER_ID,
        reason: 'order_cancelled',
        shortLines: [],
      }).ok,
      true,
    );
  });

  it('reports an unknown type at path ""', () => {
    const result = validateEventData('order.shipped.v1' as EventType, {});
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.errors[0]?.path, '');
  });
});
