/**
 * Compares two sets of JSON Schemas (name → schema; the name is an event type such as
 * order.created.v1, or 'envelope') and lists the changes that can break a producer or consumer
 * built against the previous set. Pure: no I/O, no TypeBox, so the CLI runs from a bare tarball.
 *
 * Accepted: new optional fields, new types, widened limits, new enum values, removed constraints.
 * A breaking change ships as a new major type (order.created.v2) beside the old one; a type may
 * disappear only once a newer major of it is there.
 */

export type BreakingChangeKind =
  | 'removed-field'
  | 'new-required-field'
  | 'type-changed'
  | 'narrowed'
  | 'removed-enum-value'
  | 'removed-event-type';

export interface BreakingChange {
  /** Schema name: the event type, or 'envelope'. */
  type: string;
  /** JSON pointer into the event data ('' = the whole); '*' stands for any array index. */
  path: string;
  kind: BreakingChangeKind;
  message: string;
}

export type SchemaSet = Readonly<Record<string, unknown>>;

type Node = Record<string, unknown>;

export function checkCompatibility(previous: SchemaSet, current: SchemaSet): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const [type, previousSchema] of Object.entries(previous)) {
    if (!(type in current)) {
      const newer = newerMajorOf(type, Object.keys(current));
      if (newer === undefined) {
        changes.push({
          type,
          path: '',
          kind: 'removed-event-type',
          message: `${type} was removed without a newer major version beside it`,
        });
      }
      continue;
    }
    compare(type, asNode(previousSchema), asNode(current[type]), '', changes);
  }
  return changes;
}

/** order.created.v1 → the name of an order.created.vN with N > 1 in `names`, if any. */
function newerMajorOf(type: string, names: readonly string[]): string | undefined {
  const own = /^(.*)\.v(\d+)$/.exec(type);
  if (!own) return undefined;
  return names.find((name) => {
    const other = /^(.*)\.v(\d+)$/.exec(name);
    return other !== null && other[1] === own[1] && Number(other[2]) > Number(own[2]);
  });
}

function compare(type: string, prev: Node, cur: Node, path: string, out: BreakingChange[]): void {
  const report = (kind: BreakingChangeKind, message: string, at = path) =>
    out.push({ type, path: at, kind, message });

  if (cur['not'] !== undefined && !sameJson(prev['not'], cur['not'])) {
    report('narrowed', 'a "not" constraint was added or changed');
  }

  const prevValues = enumValues(prev);
  const curValues = enumValues(cur);
  if (curValues !== undefined) {
    if (prevValues === undefined) {
      report('narrowed', `now restricted to ${list(curValues)}`);
    } else {
      for (const value of prevValues) {
        if (!curValues.some((v) => sameJson(v, value))) {
          report('removed-enum-value', `value ${JSON.stringify(value)} is no longer allowed`);
        }
      }
    }
    return; // a closed set of values: the checks below add nothing
  }

  if (typeChanged(prev, cur, report)) return;
  compareLimits(prev, cur, report);
  compareAlternatives(prev, cur, report);

  // Objects: fields kept, required fields not added.
  const prevProps = asRecord(prev['properties']);
  const curProps = asRecord(cur['properties']);
  const prevRequired = new Set(asStrings(prev['required']));
  const curRequired = new Set(asStrings(cur['required']));
  for (const [name, prevProp] of Object.entries(prevProps)) {
    const at = `${path}/${escapePointer(name)}`;
    if (!(name in curProps)) {
      report('removed-field', `field "${name}" was removed`, at);
      continue;
    }
    if (prevRequired.has(name) && !curRequired.has(name)) {
      report('removed-field', `field "${name}" is no longer required: readers may miss it`, at);
    }
    compare(type, asNode(prevProp), asNode(curProps[name]), at, out);
  }
  for (const name of curRequired) {
    if (prevRequired.has(name)) continue;
    const at = `${path}/${escapePointer(name)}`;
    report(
      'new-required-field',
      name in prevProps
        ? `field "${name}" became required`
        : `new required field "${name}": events written before lack it`,
      at,
    );
  }
  if (cur['additionalProperties'] === false && prev['additionalProperties'] !== false) {
    report('narrowed', 'extra properties are no longer accepted');
  }

  // Arrays: compare the item schemas (tuples are compared as a whole).
  if (Array.isArray(prev['items']) || Array.isArray(cur['items'])) {
    if (!sameJson(stripped(prev['items']), stripped(cur['items']))) {
      report('type-changed', 'tuple items changed');
    }
  } else if (prev['items'] !== undefined || cur['items'] !== undefined) {
    compare(type, asNode(prev['items'] ?? {}), asNode(cur['items'] ?? {}), `${path}/*`, out);
  }
}

/** Reports a type that changed or narrowed (number → integer); true when it did. */
function typeChanged(
  prev: Node,
  cur: Node,
  report: (kind: BreakingChangeKind, message: string) => void,
): boolean {
  const prevTypes = typesOf(prev);
  const curTypes = typesOf(cur);
  if (curTypes === undefined) return false; // any type is accepted now
  if (prevTypes === undefined) {
    report('type-changed', `was any type, now ${[...curTypes].join(' | ')}`);
    return true;
  }
  let changed = false;
  for (const t of prevTypes) {
    if (curTypes.has(t) || (t === 'integer' && curTypes.has('number'))) continue;
    changed = true;
    if (t === 'number' && curTypes.has('integer')) {
      report('narrowed', 'now integer, was number');
    } else {
      report('type-changed', `was ${[...prevTypes].join(' | ')}, now ${[...curTypes].join(' | ')}`);
    }
  }
  return changed;
}

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

function compareLimits(
  prev: Node,
  cur: Node,
  report: (kind: BreakingChangeKind, message: string) => void,
): void {
  for (const key of LOWER_BOUNDS) {
    const [p, c] = [prev[key], cur[key]];
    if (typeof c !== 'number') continue;
    if (typeof p !== 'number') report('narrowed', `${key} ${c} was added`);
    else if (c > p) report('narrowed', `${key} raised from ${p} to ${c}`);
  }
  for (const key of UPPER_BOUNDS) {
    const [p, c] = [prev[key], cur[key]];
    if (typeof c !== 'number') continue;
    if (typeof p !== 'number') report('narrowed', `${key} ${c} was added`);
    else if (c < p) report('narrowed', `${key} lowered from ${p} to ${c}`);
  }
  for (const key of ['pattern', 'format']) {
    const [p, c] = [prev[key], cur[key]];
    if (c === undefined || c === p) continue;
    report(
      'narrowed',
      p === undefined
        ? `${key} ${JSON.stringify(c)} was added`
        : `${key} changed from ${JSON.stringify(p)} to ${JSON.stringify(c)}`,
    );
  }
  const [pm, cm] = [prev['multipleOf'], cur['multipleOf']];
  if (typeof cm === 'number' && !(typeof pm === 'number' && pm % cm === 0)) {
    report('narrowed', `multipleOf ${cm} is stricter than ${pm ?? 'none'}`);
  }
  if (cur['uniqueItems'] === true && prev['uniqueItems'] !== true) {
    report('narrowed', 'items must now be unique');
  }
}

/** anyOf/oneOf that are not plain enums: every former alternative must remain; allOf must not grow. */
function compareAlternatives(
  prev: Node,
  cur: Node,
  report: (kind: BreakingChangeKind, message: string) => void,
): void {
  for (const key of ['anyOf', 'oneOf']) {
    const c = cur[key];
    if (!Array.isArray(c)) continue;
    const p = prev[key];
    if (!Array.isArray(p)) {
      report('narrowed', `${key} alternatives were added`);
      continue;
    }
    const kept = p.every((option) => c.some((o) => sameJson(stripped(o), stripped(option))));
    if (!kept) report('type-changed', `${key} lost or changed an alternative`);
  }
  const c = cur['allOf'];
  if (Array.isArray(c) && !sameJson(stripped(prev['allOf']), stripped(c))) {
    report('narrowed', 'allOf constraints were added or changed');
  }
}

/** The closed set of values a schema allows (enum, const, or a union of those), if it is one. */
function enumValues(node: Node): unknown[] | undefined {
  if (Array.isArray(node['enum'])) return node['enum'];
  if ('const' in node) return [node['const']];
  for (const key of ['anyOf', 'oneOf']) {
    const options = node[key];
    if (!Array.isArray(options) || options.length === 0) continue;
    const values = options.map((option) => enumValues(asNode(option)));
    if (values.every((v) => v !== undefined)) return values.flat();
  }
  return undefined;
}

/** The JSON types a schema admits, or undefined when it admits any. */
function typesOf(node: Node): Set<string> | undefined {
  const type = node['type'];
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(asStrings(type));
  for (const key of ['anyOf', 'oneOf']) {
    const options = node[key];
    if (!Array.isArray(options) || options.length === 0) continue;
    const sets = options.map((option) => typesOf(asNode(option)));
    if (sets.some((s) => s === undefined)) return undefined;
    return new Set(sets.flatMap((s) => [...(s ?? [])]));
  }
  return undefined;
}

const ANNOTATIONS = new Set([
  'title',
  'description',
  '$schema',
  '$id',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** A copy without annotations, for comparing sub-schemas as values. */
function stripped(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripped);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (!ANNOTATIONS.has(key)) out[key] = stripped((value as Node)[key]);
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(stripped(a)) === JSON.stringify(stripped(b));
}

/** `true` (any value) is {}; `false` (no value) is {not: {}}. */
function asNode(value: unknown): Node {
  if (value === false) return { not: {} };
  return asRecord(value);
}

function asRecord(value: unknown): Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Node)
    : {};
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function list(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}
