import sift from 'sift';

/** A MongoDB query on one document's fields, without `_id` (that is the helper's own argument). */
export type Guard = Record<string, unknown>;

/**
 * Whether `doc` satisfies `guard`, evaluated in process with sift (MongoDB query semantics:
 * arrays match by element, `$ne` on an array means "no element equals", Dates and ObjectIds
 * compare by value, type bracketing for `$gt`/`$lt`). One known difference: sift compares
 * embedded documents without regard to key order, MongoDB with it.
 */
export function matchesGuard(doc: object, guard: Guard): boolean {
  return sift(guard)(doc);
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof RegExp) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/**
 * The fields an upsert takes from its filter when it inserts: each field compared for plain
 * equality (`{ status: 'A' }`, `{ status: { $eq: 'A' } }`, also inside a top-level `$and`), as
 * MongoDB does. Regular expressions and other operators contribute nothing.
 */
export function equalityFields(guard: Guard): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(guard)) {
    if (path === '$and' && Array.isArray(value)) {
      for (const part of value) Object.assign(out, equalityFields(part as Guard));
    } else if (path.startsWith('$') || value instanceof RegExp) {
      continue;
    } else if (isOperatorObject(value)) {
      if ('$eq' in value && !(value['$eq'] instanceof RegExp)) out[path] = value['$eq'];
    } else {
      out[path] = value;
    }
  }
  return out;
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/**
 * An upsert update that, sent with an `_id`-only filter, inserts what the same upsert sent with
 * `{ _id, ...guard }` would: the guard's equality fields join `$setOnInsert`, except paths the
 * update itself writes (MongoDB applies the update over the filter's fields, so it wins there).
 */
export function withInsertFields(
  update: Record<string, unknown>,
  guard: Guard,
): Record<string, unknown> {
  const fromGuard = equalityFields(guard);
  if (Object.keys(fromGuard).length === 0) return update;
  const written: string[] = [];
  for (const [op, fields] of Object.entries(update)) {
    if (!op.startsWith('$'))
      written.push(op); // Mongoose's implicit `$set`
    else if (fields && typeof fields === 'object') written.push(...Object.keys(fields));
  }
  const setOnInsert: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(fromGuard)) {
    if (!written.some((w) => overlaps(w, path))) setOnInsert[path] = value;
  }
  if (Object.keys(setOnInsert).length === 0) return update;
  const own = (update['$setOnInsert'] ?? {}) as Record<string, unknown>;
  return { ...update, $setOnInsert: { ...own, ...setOnInsert } };
}
