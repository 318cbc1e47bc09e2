import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNewerProductVersion, type CatalogEntry } from '../../src/domain/catalog';
import { priceItems } from '../../src/domain/pricing';

const catalog = new Map<string, CatalogEntry>(
  [
    { sku: 'A-1', name: 'A', priceMinor: 1000, currency: 'EUR', active: true, version: 3 },
    { sku: 'B-2', name: 'B', priceMinor: 250, currency: 'EUR', active: true, version: 1 },
    { sku: 'OLD', name: 'Old', priceMinor: 5, currency: 'EUR', active: false, version: 7 },
    { sku: 'USD-1', name: 'U', priceMinor: 99, currency: 'USD', active: true, version: 1 },
    {
      sku: 'HUGE',
      name: 'H',
      priceMinor: Number.MAX_SAFE_INTEGER,
      currency: 'EUR',
      active: true,
      version: 1,
    },
  ].map((e) => [e.sku, e]),
);
const lookup = (sku: string) => catalog.get(sku);

describe('pricing from the catalog copy', () => {
  it('prices each line at the catalog price and sums in minor units', () => {
    const r = priceItems(
      [
        { sku: 'A-1', quantity: 2 },
        { sku: 'B-2', quantity: 3 },
      ],
      lookup,
    );
    assert.deepEqual(r, {
      ok: true,
      currency: 'EUR',
      totalMinor: 2750,
      lines: [
        { sku: 'A-1', quantity: 2, unitPriceMinor: 1000 },
        { sku: 'B-2', quantity: 3, unitPriceMinor: 250 },
      ],
    });
  });

  it('names every unknown and inactive SKU', () => {
    const r = priceItems(
      [
        { sku: 'A-1', quantity: 1 },
        { sku: 'NOPE', quantity: 1 },
        { sku: 'OLD', quantity: 1 },
      ],
      lookup,
    );
    assert.deepEqual(r, {
      ok: false,
      error: {
        code: 'unpriceable',
        skus: [
          { sku: 'NOPE', reason: 'unknown' },
          { sku: 'OLD', reason: 'inactive' },
        ],
      },
    });
  });

  it('refuses lines in more than one currency', () => {
    const r = priceItems(
      [
        { sku: 'A-1', quantity: 1 },
        { sku: 'USD-1', quantity: 1 },
      ],
      lookup,
    );
    assert.deepEqual(r, {
      ok: false,
      error: { code: 'mixed_currency', currencies: ['EUR', 'USD'] },
    });
  });

  it('refuses a total beyond the safe integer range', () => {
    const r = priceItems([{ sku: 'HUGE', quantity: 2 }], lookup);
    assert.deepEqual(r, { ok: false, error: { code: 'total_too_large' } });
  });
});

describe('catalog copy update rule', () => {
  it('takes the first version it sees', () => {
    assert.equal(isNewerProductVersion(undefined, { version: 5 }), true);
  });
  it('takes a higher version', () => {
    assert.equal(isNewerProductVersion({ version: 2 }, { version: 3 }), true);
  });
  it('ignores the same version (a duplicate)', () => {
    assert.equal(isNewerProductVersion({ version: 3 }, { version: 3 }), false);
  });
  it('ignores an older version (arrived late)', () => {
    assert.equal(isNewerProductVersion({ version: 4 }, { version: 3 }), false);
  });
});
