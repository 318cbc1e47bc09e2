import { envelopeSchema } from './envelope';
import { eventSchemas } from './schemas';
import { ALL_EVENT_TYPES } from './types';

/** Name of the envelope's schema among the schema documents (beside one per event type). */
export const ENVELOPE_SCHEMA_NAME = 'envelope';

/**
 * The schemas as plain JSON documents keyed by name (event type, or 'envelope'): what the build
 * writes to dist/schemas/<name>.json and what the compatibility check compares.
 */
export function schemaDocuments(): Record<string, Record<string, unknown>> {
  const documents: Record<string, Record<string, unknown>> = {
    [ENVELOPE_SCHEMA_NAME]: toDocument(envelopeSchema),
  };
  for (const type of ALL_EVENT_TYPES) documents[type] = toDocument(eventSchemas[type]);
  return documents;
}

/** A TypeBox schema is JSON Schema; a JSON round trip drops its symbol-keyed metadata. */
function toDocument(schema: object): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>),
  };
}
