// Reads request bodies and parameters field by field, reporting every problem with its JSON
// pointer. Unknown fields are refused so a typo never passes silently.
import { isValidSku, productDetailsProblems, type ProductDetails } from '../../domain/product';
import { MAX_ADJUSTMENT } from '../../domain/stock';
import { validationProblem, type FieldProblem } from '@eventshop/service-kit';

export const REASON_MAX_LENGTH = 500;
export const PAGE_MAX = 100;
export const PAGE_DEFAULT = 20;

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldProblem[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(body: Record<string, unknown>, allowed: readonly string[]): FieldProblem[] {
  return Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ path: `/${key}`, message: 'is not a known field' }));
}

export function parseSku(sku: string): string {
  if (!isValidSku(sku)) {
    throw validationProblem([
      {
        path: 'sku',
        message: 'must match ^[A-Z0-9]+(?:-[A-Z0-9]+)*$ and be at most 64 characters',
      },
    ]);
  }
  return sku;
}

export function parsePutProduct(body: unknown): Parsed<ProductDetails> {
  if (!isObject(body))
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const errors = unknownFields(body, ['name', 'priceMinor', 'currency', 'active']);
  const { name, priceMinor, currency, active } = body;
  if (typeof name !== 'string') errors.push({ path: '/name', message: 'must be a string' });
  if (typeof priceMinor !== 'number')
    errors.push({ path: '/priceMinor', message: 'must be an integer' });
  if (typeof currency !== 'string') errors.push({ path: '/currency', message: 'must be a string' });
  if (typeof active !== 'boolean') errors.push({ path: '/active', message: 'must be a boolean' });
  if (errors.length > 0) return { ok: false, errors };
  const details = { name, priceMinor, currency, active } as ProductDetails;
  const problems = productDetailsProblems(details);
  const fieldErrors = Object.entries(problems).map(([field, message]) => ({
    path: `/${field}`,
    message,
  }));
  return fieldErrors.length > 0 ? { ok: false, errors: fieldErrors } : { ok: true, value: details };
}

export interface AdjustmentRequest {
  delta: number;
  reason: string;
}

export function parseAdjustment(body: unknown): Parsed<AdjustmentRequest> {
  if (!isObject(body))
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const errors = unknownFields(body, ['delta', 'reason']);
  const { delta, reason } = body;
  if (
    typeof delta !== 'number' ||
    !Number.isSafeInteger(delta) ||
    delta === 0 ||
    Math.abs(delta) > MAX_ADJUSTMENT
  ) {
    errors.push({
      path: '/delta',
      message: `must be a non-zero integer between -${MAX_ADJUSTMENT} and ${MAX_ADJUSTMENT}`,
    });
  }
  if (
    typeof reason !== 'string' ||
    reason.trim().length === 0 ||
    reason.length > REASON_MAX_LENGTH
  ) {
    errors.push({
      path: '/reason',
      message: `must be a non-blank string of at most ${REASON_MAX_LENGTH} characters`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { delta: delta as number, reason: reason as string } };
}

export interface PageRequest {
  limit: number;
  after?: string;
}

export function parsePage(query: Record<string, unknown>): Parsed<PageRequest> {
  const errors: FieldProblem[] = [];
  let limit = PAGE_DEFAULT;
  if (query['limit'] !== undefined) {
    const raw = query['limit'];
    limit = typeof raw === 'string' && /^[0-9]{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(limit >= 1 && limit <= PAGE_MAX)) {
      errors.push({ path: 'limit', message: `must be an integer from 1 to ${PAGE_MAX}` });
    }
  }
  const after = query['after'];
  if (after !== undefined && (typeof after !== 'string' || !isValidSku(after))) {
    errors.push({ path: 'after', message: 'must be a SKU (the nextAfter of the previous page)' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { limit, ...(typeof after === 'string' ? { after } : {}) } };
}

export function orThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw validationProblem(parsed.errors);
  return parsed.value;
}
