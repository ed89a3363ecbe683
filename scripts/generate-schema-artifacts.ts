/**
 * Regenerates what is generated from the schema at head and committed: the Kysely types
 * (`types`), the ERD in docs/erd.md (`erd`), or both (no argument). It builds the
 * schema from the revisions in a throw-away embedded PostgreSQL, so the result never depends on
 * whatever database happens to be configured.
 *   npm run types:generate | npm run erd:generate
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from '../src/schema/generate-database-types.js';
import { ERD_FILE, erdDocument, generateErd } from '../src/schema/generate-erd.js';
import { withHeadOnThrowawayServer } from './lib/throwaway-head.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const what = process.argv[2] ?? 'all';
if (!['types', 'erd', 'all'].includes(what)) {
  process.stderr.write('usage: generate-schema-artifacts.ts [types|erd|all]\n');
  process.exit(2);
}

await withHeadOnThrowawayServer('schema_at_head', async (url, client) => {
  if (what !== 'erd') {
    writeFileSync(path.join(ROOT, DATABASE_TYPES_FILE), await generateDatabaseTypes(url));
    process.stderr.write(`wrote ${DATABASE_TYPES_FILE}\n`);
  }
  if (what !== 'types') {
    const diagram = await generateErd(client);
    writeFileSync(path.join(ROOT, ERD_FILE), erdDocument(diagram));
    process.stderr.write(`wrote ${ERD_FILE}\n`);
  }
});
