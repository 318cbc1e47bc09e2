// Build step: writes every schema of the compiled package to dist/schemas/<name>.json, beside
// the compiled modules of src/schemas.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import contracts from '../dist/schema-documents.js';

const dir = new URL('../dist/schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const file of readdirSync(dir)) {
  if (file.endsWith('.json')) rmSync(new URL(file, dir)); // a schema dropped from the source
}
const documents = contracts.schemaDocuments();
for (const [name, document] of Object.entries(documents)) {
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(document, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(documents).length} schemas to dist/schemas`);
