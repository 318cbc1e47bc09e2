// Validation of a `POST /orders` body. Pure and strict: unknown fields, wrong types and values
// out of range are reported with JSON-pointer paths (RFC 6901), at most MAX_ERRORS of them.
import { MAX_LINES, MAX_QUANTITY, SKU_MAX_LENGTH, SKU_PATTERN } from './limits';
import type { RequestedItem } from './pricing';

export interface FieldError {
  path: string;
  message: string;
}

const MAX_ERRORS = 20;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateCreateOrderRequest(
  body: unknown,
): { ok: true; items: RequestedItem[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const add = (path: string, message: string) => {
    if (errors.length < MAX_ERRORS) errors.push({ path, message });
  };
  if (!isPlainObject(body))
    return { ok: false, errors: [{ path: '', message: 'must be an object' }] };
  for (const key of Object.keys(body)) {
    if (key !== 'items') add(`/${escapePointer(key)}`, 'is not allowed');
  }
  const items = body['items'];
  if (!Array.isArray(items)) {
    add('/items', items === undefined ? 'is required' : 'must be an array');
    return { ok: false, errors };
  }
  if (items.length < 1 || items.length > MAX_LINES) {
    add('/items', `must hold 1 to ${MAX_LINES} lines`);
    return { ok: false, errors };
  }
  const seen = new Map<string, number>();
  const valid: RequestedItem[] = [];
  items.forEach((item: unknown, i: number) => {
    const at = `/items/${i}`;
    if (!isPlainObject(item)) {
      add(at, 'must be an object');
      return;
    }
    for (const key of Object.keys(item)) {
      if (key !== 'sku' && key !== 'quantity') add(`${at}/${escapePointer(key)}`, 'is not allowed');
    }
    const { sku, quantity } = item;
    let ok = true;
    if (typeof sku !== 'string') {
      add(`${at}/sku`, sku === undefined ? 'is required' : 'must be a string');
      ok = false;
    } else if (sku.length < 1 || sku.length > SKU_MAX_LENGTH || !SKU_PATTERN.test(sku)) {
      add(`${at}/sku`, `must match ${SKU_PATTERN.source} and be 1 to ${SKU_MAX_LENGTH} characters`);
      ok = false;
    } else if (seen.has(sku)) {
      add(
        `${at}/sku`,
        `repeats the SKU of /items/${seen.get(sku)}; put the whole quantity on one line`,
      );
      ok = false;
    } else {
      seen.set(sku, i);
    }
    if (quantity === undefined) {
      add(`${at}/quantity`, 'is required');
      ok = false;
    } else if (
      typeof quantity !== 'number' ||
      !Number.isInteger(quantity) ||
      quantity < 1 ||
      quantity > MAX_QUANTITY
    ) {
      add(`${at}/quantity`, `must be an integer from 1 to ${MAX_QUANTITY}`);
      ok = false;
    }
    if (ok) valid.push({ sku: sku as string, quantity: quantity as number });
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, items: valid };
}

function escapePointer(key: string): string {
  const short = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return short.replace(/~/g, '~0').replace(/\//g, '~1');
}
