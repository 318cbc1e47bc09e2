import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidSku, planProductChange, productDetailsProblems } from '../../src/domain/product';

const details = { name: 'Blue mug', priceMinor: 1299, currency: 'EUR', active: true };

describe('product rules', () => {
  it('accepts SKUs of the contract pattern only', () => {
    for (const sku of ['MUG-1', 'A', 'X9-Y8-Z7', 'A'.repeat(64)])
      assert.equal(isValidSku(sku), true);
    for (const sku of ['', 'mug-1', 'MUG--1', '-MUG', 'MUG-', 'MUG 1', 'A'.repeat(65)]) {
      assert.equal(isValidSku(sku), false, sku);
    }
  });

  it('names each invalid field', () => {
    assert.deepEqual(productDetailsProblems(details), {});
    const problems = productDetailsProblems({
      name: '  ',
      priceMinor: -1,
      currency: 'eur',
      active: true,
    });
    assert.deepEqual(Object.keys(problems).sort(), ['currency', 'name', 'priceMinor']);
    assert.ok(productDetailsProblems({ ...details, priceMinor: 1.5 })['priceMinor']);
    assert.ok(productDetailsProblems({ ...details, name: 'x'.repeat(201) })['name']);
  });

  it('creates a new product at version 1', () => {
    const change = planProductChange('MUG-1', undefined, details);
    assert.deepEqual(change, { kind: 'create', entry: { sku: 'MUG-1', ...details, version: 1 } });
  });

  it('bumps the version by one when any field changes', () => {
    const existing = { sku: 'MUG-1', ...details, version: 4 };
    for (const patch of [
      { name: 'Red mug' },
      { priceMinor: 1 },
      { currency: 'USD' },
      { active: false },
    ]) {
      const change = planProductChange('MUG-1', existing, { ...details, ...patch });
      assert.equal(change.kind, 'update');
      assert.equal(change.entry.version, 5);
      assert.equal(change.kind === 'update' && change.previousVersion, 4);
      assert.deepEqual(change.entry, { sku: 'MUG-1', ...details, ...patch, version: 5 });
    }
  });

  it('treats an identical PUT as unchanged (no new version, no event)', () => {
    const existing = { sku: 'MUG-1', ...details, version: 4 };
    assert.deepEqual(planProductChange('MUG-1', existing, { ...details }), {
      kind: 'unchanged',
      entry: existing,
    });
  });
});
