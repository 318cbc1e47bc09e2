import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreateOrderRequest } from '../../src/domain/create-order-request';

function errorsOf(body: unknown) {
  const r = validateCreateOrderRequest(body);
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? [] : r.errors;
}

describe('POST /orders body validation', () => {
  it('accepts a valid body', () => {
    assert.deepEqual(validateCreateOrderRequest({ items: [{ sku: 'AB-12', quantity: 3 }] }), {
      ok: true,
      items: [{ sku: 'AB-12', quantity: 3 }],
    });
  });

  const cases: [string, unknown, string[]][] = [
    ['not an object', [1, 2], ['']],
    ['null', null, ['']],
    ['missing items', {}, ['/items']],
    ['items not an array', { items: 'x' }, ['/items']],
    ['no lines', { items: [] }, ['/items']],
    [
      'too many lines',
      { items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) },
      ['/items'],
    ],
    ['extra top-level field', { items: [{ sku: 'A', quantity: 1 }], price: 0 }, ['/price']],
    [
      'extra line field',
      { items: [{ sku: 'A', quantity: 1, unitPriceMinor: 0 }] },
      ['/items/0/unitPriceMinor'],
    ],
    ['line not an object', { items: ['A'] }, ['/items/0']],
    ['sku missing', { items: [{ quantity: 1 }] }, ['/items/0/sku']],
    ['sku lower case', { items: [{ sku: 'ab', quantity: 1 }] }, ['/items/0/sku']],
    ['sku too long', { items: [{ sku: 'A'.repeat(65), quantity: 1 }] }, ['/items/0/sku']],
    ['sku a number', { items: [{ sku: 12, quantity: 1 }] }, ['/items/0/sku']],
    [
      'duplicate sku',
      {
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 2 },
        ],
      },
      ['/items/1/sku'],
    ],
    ['quantity zero', { items: [{ sku: 'A', quantity: 0 }] }, ['/items/0/quantity']],
    ['quantity too big', { items: [{ sku: 'A', quantity: 1001 }] }, ['/items/0/quantity']],
    ['quantity fraction', { items: [{ sku: 'A', quantity: 1.5 }] }, ['/items/0/quantity']],
    ['quantity a string', { items: [{ sku: 'A', quantity: '1' }] }, ['/items/0/quantity']],
    ['quantity huge', { items: [{ sku: 'A', quantity: 1e308 }] }, ['/items/0/quantity']],
    ['quantity missing', { items: [{ sku: 'A' }] }, ['/items/0/quantity']],
    [
      'several errors',
      {
        items: [
          { sku: 'A', quantity: -1 },
          { sku: '', quantity: 1 },
        ],
      },
      ['/items/0/quantity', '/items/1/sku'],
    ],
  ];
  for (const [name, body, paths] of cases) {
    it(`refuses ${name} at ${paths.join(', ') || 'the root'}`, () => {
      assert.deepEqual(
        errorsOf(body).map((e) => e.path),
        paths,
      );
    });
  }

  it('escapes JSON-pointer characters in unknown keys', () => {
    assert.deepEqual(
      errorsOf({ items: [{ sku: 'A', quantity: 1 }], 'a/b~c': 1 }).map((e) => e.path),
      ['/a~1b~0c'],
    );
  });

  it('reports at most 20 errors for a huge bad body', () => {
    const body = { items: Array.from({ length: 100 }, () => ({ sku: '?', quantity: -1 })) };
    assert.equal(errorsOf(body).length, 20);
  });
});
