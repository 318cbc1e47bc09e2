/** True for MongoDB's duplicate key error (E11000), which FerretDB reports the same way. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
