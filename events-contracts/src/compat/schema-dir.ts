import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaSet } from './check-compatibility';

/** Reads every `<name>.json` of a directory into a schema set keyed by `<name>`. */
export function readSchemaDir(dir: string): SchemaSet {
  const schemas: Record<string, unknown> = {};
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    schemas[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  }
  if (Object.keys(schemas).length === 0) throw new Error(`no schema files (*.json) in ${dir}`);
  return schemas;
}

/**
 * Where the schemas are in a directory given to the CLI: a schemas folder itself, a package
 * root (dist/schemas) or an extracted npm tarball (package/dist/schemas).
 */
export function locateSchemaDir(dir: string): string {
  for (const candidate of [join(dir, 'package', 'dist', 'schemas'), join(dir, 'dist', 'schemas')]) {
    if (isDirectory(candidate)) return candidate;
  }
  return dir;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
