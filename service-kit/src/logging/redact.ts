/** `scheme://user:password@host` → `scheme://user:***@host`, anywhere in a string. */
const URI_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/\s]+@/gi;

/** Removes passwords from URIs in a string (connection strings in messages and errors). */
export function redactSecrets(text: string): string {
  // Nearly every logged string has no URI: skip the regular expression for those.
  return text.includes('://') ? text.replace(URI_PASSWORD, '$1***@') : text;
}

/**
 * A log object with URI passwords removed from every string (bounded depth) and errors turned into
 * plain objects. Objects and arrays are copied only where something inside them changed; the
 * others are returned as they are (a log line is written once and never mutated here).
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v: unknown, i) => {
      const r = redactDeep(v, depth + 1);
      if (r !== v) (out ??= [...value])[i] = r;
    });
    return out ?? value;
  }
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactSecrets(value.message),
      stack: value.stack ? redactSecrets(value.stack) : undefined,
    };
  }
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = redactDeep(v, depth + 1);
    if (r !== v) (out ??= { ...value })[k] = r;
  }
  return out ?? value;
}

/** pino `redact` paths: credentials in request headers never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
];
