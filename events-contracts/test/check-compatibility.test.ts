import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { checkCompatibility, type BreakingChange } from '../src';
import { schemaDocuments } from '../src/schema-documents';

type Doc = Record<string, unknown> & {
  properties: Record<string, Record<string, unknown>>;
  required: string[];
};

/** The released schemas as JSON, and a copy to break. */
function schemas(): Record<string, Doc> {
  return schemaDocuments() as Record<string, Doc>;
}

function plain(schema: object): Doc {
  return JSON.parse(JSON.stringify(schema)) as Doc;
}

function lineOf(doc: Doc): Doc {
  return (doc.properties['lines'] as { items: Doc }).items;
}

/** Only the fields a reader acts on. */
function summary(changes: BreakingChange[]): Pick<BreakingChange, 'type' | 'path' | 'kind'>[] {
  return changes.map(({ type, path, kind }) => ({ type, path, kind }));
}

const CREATED = 'order.created.v1';

describe('checkCompatibility', () => {
  it('finds nothing between identical sets', () => {
    assert.deepEqual(checkCompatibility(schemas(), schemas()), []);
  });

  it('catches a removed field', () => {
    const current = schemas();
    const doc = current[CREATED]!;
    delete doc.properties['email'];
    doc.required = doc.required.filter((name) => name !== 'email');
    const changes = checkCompatibility(schemas(), current);
    assert.deepEqual(summary(changes), [{ type: CREATED, path: '/email', kind: 'removed-field' }]);
    assert.match(changes[0]!.message, /"email" was removed/);
  });

  it('reports a renamed field as removed plus new required', () => {
    const current = schemas();
    const doc = current[CREATED]!;
    doc.properties['emailAddress'] = doc.properties['email']!;
    delete doc.properties['email'];
    doc.required = doc.required.map((name) => (name === 'email' ? 'emailAddress' : name));
    assert.deepEqual(summary(checkCompatibility(schemas(), current)), [
      { type: CREATED, path: '/email', kind: 'removed-field' },
      { type: CREATED, path: '/emailAddress', kind: 'new-required-field' },
    ]);
  });

  it('catches a new required field and an optional field that became required', () => {
    const previous = schemas();
    previous[CREATED]!.properties['note'] = { type: 'string' };
    const current = schemas();
    current[CREATED]!.properties['note'] = { type: 'string' };
    current[CREATED]!.properties['channel'] = { type: 'string' };
    current[CREATED]!.required.push('note', 'channel');
    assert.deepEqual(summary(checkCompatibility(previous, current)), [
      { type: CREATED, path: '/note', kind: 'new-required-field' },
      { type: CREATED, path: '/channel', kind: 'new-required-field' },
    ]);
  });

  it('catches a required field that became optional (readers may miss it)', () => {
    const current = schemas();
    current[CREATED]!.required = current[CREATED]!.required.filter((n) => n !== 'userId');
    assert.deepEqual(summary(checkCompatibility(schemas(), current)), [
      { type: CREATED, path: '/userId', kind: 'removed-field' },
    ]);
  });

  it('catches a changed type inside array items', () => {
    const current = schemas();
    lineOf(current[CREATED]!).properties['quantity'] = { type: 'string' };
    const changes = checkCompatibility(schemas(), current);
    assert.deepEqual(summary(changes), [
      { type: CREATED, path: '/lines/*/quantity', kind: 'type-changed' },
    ]);
    assert.match(changes[0]!.message, /was integer, now string/);
  });

  it('catches integer narrowed from number (schemas built with TypeBox)', () => {
    const previous = { 'x.priced.v1': plain(Type.Object({ amount: Type.Number() })) };
    const current = { 'x.priced.v1': plain(Type.Object({ amount: Type.Integer() })) };
    assert.deepEqual(summary(checkCompatibility(previous, current)), [
      { type: 'x.priced.v1', path: '/amount', kind: 'narrowed' },
    ]);
    // and the other way round widens
    assert.deepEqual(checkCompatibility(current, previous), []);
  });

  it('catches tighter limits: maximum, minimum, maxLength, minItems', () => {
    const current = schemas();
    const doc = current[CREATED]!;
    lineOf(doc).properties['quantity']!['maximum'] = 10;
    lineOf(doc).properties['unitPriceMinor']!['minimum'] = 1;
    doc.properties['userId']!['maxLength'] = 50;
    doc.properties['lines']!['minItems'] = 2;
    const changes = checkCompatibility(schemas(), current);
    assert.deepEqual(summary(changes), [
      { type: CREATED, path: '/userId', kind: 'narrowed' },
      { type: CREATED, path: '/lines', kind: 'narrowed' },
      { type: CREATED, path: '/lines/*/quantity', kind: 'narrowed' },
      { type: CREATED, path: '/lines/*/unitPriceMinor', kind: 'narrowed' },
    ]);
    assert.match(changes[2]!.message, /maximum lowered from 1000 to 10/);
  });

  it('catches a changed pattern and an added format', () => {
    const current = schemas();
    const doc = current[CREATED]!;
    lineOf(doc).properties['sku']!['pattern'] = '^[A-Z]+$';
    doc.properties['userId']!['format'] = 'uuid';
    assert.deepEqual(summary(checkCompatibility(schemas(), current)), [
      { type: CREATED, path: '/userId', kind: 'narrowed' },
      { type: CREATED, path: '/lines/*/sku', kind: 'narrowed' },
    ]);
  });

  it('catches a removed enum value', () => {
    const type = 'order.rejected.v1';
    const current = schemas();
    const reason = current[type]!.properties['reason'] as { anyOf: { const: string }[] };
    reason.anyOf = reason.anyOf.filter((option) => option.const !== 'timeout');
    const changes = checkCompatibility(schemas(), current);
    assert.deepEqual(summary(changes), [{ type, path: '/reason', kind: 'removed-enum-value' }]);
    assert.match(changes[0]!.message, /"timeout"/);
  });

  it('catches a removed event type and a removed envelope attribute', () => {
    const current = schemas();
    delete current['inventory.released.v1'];
    delete current['envelope']!.properties['traceparent'];
    assert.deepEqual(summary(checkCompatibility(schemas(), current)), [
      { type: 'envelope', path: '/traceparent', kind: 'removed-field' },
      { type: 'inventory.released.v1', path: '', kind: 'removed-event-type' },
    ]);
  });

  it('accepts additive changes: optional field, new type, wider limits, new enum value', () => {
    const current = schemas();
    const doc = current[CREATED]!;
    doc.properties['giftWrap'] = { type: 'boolean' };
    lineOf(doc).properties['quantity']!['maximum'] = 5000;
    doc.properties['userId']!['maxLength'] = 400;
    delete doc.properties['currency']!['pattern'];
    doc.properties['lines']!['maxItems'] = 500;
    const reason = current['order.cancelled.v1']!.properties['reason'] as { anyOf: unknown[] };
    reason.anyOf.push({ const: 'fraud', type: 'string' });
    current['order.shipped.v1'] = plain(Type.Object({ orderId: Type.String() }));
    assert.deepEqual(checkCompatibility(schemas(), current), []);
  });

  it('accepts a breaking new major type beside the old one', () => {
    const current = schemas();
    const v2 = structuredClone(current[CREATED]!);
    delete v2.properties['email'];
    v2.required = v2.required.filter((name) => name !== 'email');
    v2.properties['customerRef'] = { type: 'string' };
    v2.required.push('customerRef');
    current['order.created.v2'] = v2;
    assert.deepEqual(checkCompatibility(schemas(), current), []);
  });

  it('lets a type go only when a newer major of it is there', () => {
    const retired = schemas();
    retired['order.created.v2'] = retired[CREATED]!;
    delete retired[CREATED];
    assert.deepEqual(checkCompatibility(schemas(), retired), []);

    const previous = { ...schemas(), 'order.created.v2': schemas()[CREATED]! };
    const onlyOlder = { ...schemas() };
    assert.deepEqual(summary(checkCompatibility(previous, onlyOlder)), [
      { type: 'order.created.v2', path: '', kind: 'removed-event-type' },
    ]);
  });
});
