import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { envelopeSchema, type AnyCloudEvent } from './envelope';
import { registerFormats } from './formats';
import { eventSchemas, type EventDataMap } from './schemas';
import { ALL_EVENT_TYPES, isEventType, type EventType } from './types';

/** One problem found in a value: `path` is a JSON pointer into the value ('' = the value itself). */
export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; event: T } | { ok: false; errors: ValidationError[] };

/** Result of validateEventData: `event` holds the data (same shape as validateEvent); `data` aliases it. */
export type DataValidationResult<T> =
  { ok: true; event: T; data: T } | { ok: false; errors: ValidationError[] };

registerFormats();

const envelopeCheck = TypeCompiler.Compile(envelopeSchema);
const dataChecks = new Map<EventType, TypeCheck<TSchema>>(
  ALL_EVENT_TYPES.map((type) => [type, TypeCompiler.Compile(eventSchemas[type])]),
);

/** Validates a decoded CloudEvent: the envelope, that its type is known, and its data. */
export function validateEvent(value: unknown): ValidationResult<AnyCloudEvent> {
  const errors = collect(envelopeCheck, value, '');
  const record = isRecord(value) ? value : undefined;
  const type = record?.['type'];
  if (typeof type === 'string' && type.length > 0) {
    if (!isEventType(type)) {
      errors.push({ path: '/type', message: unknownType(type) });
    } else if (record?.['data'] !== undefined) {
      errors.push(...collect(checkFor(type), record['data'], '/data'));
    }
  }
  return errors.length === 0 ? { ok: true, event: value as AnyCloudEvent } : { ok: false, errors };
}

/** Validates the data of an event of the given type alone; paths are relative to the data. */
export function validateEventData<T extends EventType>(
  type: T,
  data: unknown,
): DataValidationResult<EventDataMap[T]> {
  if (!isEventType(type)) {
    return { ok: false, errors: [{ path: '', message: unknownType(String(type)) }] };
  }
  const errors = collect(checkFor(type), data, '');
  if (errors.length > 0) return { ok: false, errors };
  const typed = data as EventDataMap[T];
  return { ok: true, event: typed, data: typed };
}

/** Decodes a message body (UTF-8 JSON) and validates it; bad JSON is an error at path ''. */
export function parseEvent(input: Uint8Array | string): ValidationResult<AnyCloudEvent> {
  let value: unknown;
  try {
    value = JSON.parse(typeof input === 'string' ? input : new TextDecoder().decode(input));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ path: '', message: `invalid JSON: ${reason}` }] };
  }
  return validateEvent(value);
}

function checkFor(type: EventType): TypeCheck<TSchema> {
  const check = dataChecks.get(type);
  if (!check) throw new Error(`no checker for ${type}`); // unreachable: one per type above
  return check;
}

function unknownType(type: string): string {
  return `unknown event type "${type}"; expected one of ${ALL_EVENT_TYPES.join(', ')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** TypeBox's errors, prefixed, with one error per missing property and readable enum messages. */
function collect(check: TypeCheck<TSchema>, value: unknown, prefix: string): ValidationError[] {
  if (check.Check(value)) return [];
  const all = [...check.Errors(value)];
  const missing = new Set(
    all.filter((e) => e.type === ValueErrorType.ObjectRequiredProperty).map((e) => e.path),
  );
  const seen = new Set<string>();
  const errors: ValidationError[] = [];
  for (const error of all) {
    // A missing property also fails its own schema ("Expected string"): report it once.
    if (missing.has(error.path) && error.type !== ValueErrorType.ObjectRequiredProperty) continue;
    const path = prefix + error.path;
    const message = messageOf(error);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ path, message });
  }
  return errors;
}

function messageOf(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'Required property is missing';
  if (error.type === ValueErrorType.Union) {
    const options = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf ?? [];
    if (options.length > 0 && options.every((option) => 'const' in option)) {
      return `Expected one of ${options.map((option) => JSON.stringify(option.const)).join(', ')}`;
    }
  }
  return error.message;
}
