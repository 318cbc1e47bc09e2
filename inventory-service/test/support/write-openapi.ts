// `npm run openapi`: regenerates the committed openapi.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApiDocument, OPENAPI_FILE, serializeOpenApi } from './openapi-document';

void generateOpenApiDocument().then((document) => {
  const file = join(__dirname, '..', '..', '..', OPENAPI_FILE);
  writeFileSync(file, serializeOpenApi(document));
  console.log(`wrote ${OPENAPI_FILE}`);
});
