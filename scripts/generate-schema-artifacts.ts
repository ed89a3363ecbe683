/**
 * Regenerates what is generated from the schema at head and committed: the Kysely types
 * (`types`), the ERD in docs/erd.md and the README (`erd`), or both (no argument). It builds the
 * schema from the revisions in a throw-away embedded PostgreSQL, so the result never depends on
 * whatever database happens to be configured.
 *   npm run types:generate | npm run erd:generate
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, disconnect } from '../src/db/connect.js';
import { startEmbeddedServer } from '../src/db/embedded-server.js';
import { runToTarget } from '../src/runner/executor.js';
import { loadRevisions } from '../src/runner/load-revisions.js';
import { resolveUpgradeTarget } from '../src/runner/plan.js';
import { RevisionGraph } from '../src/runner/revision-graph.js';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from '../src/schema/generate-database-types.js';
import { ERD_FILE, erdDocument, generateErd, withErdInReadme } from '../src/schema/generate-erd.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const what = process.argv[2] ?? 'all';
if (!['types', 'erd', 'all'].includes(what)) {
  process.stderr.write('usage: generate-schema-artifacts.ts [types|erd|all]\n');
  process.exit(2);
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'play-later-generate-'));
const server = await startEmbeddedServer({ dataDir, database: 'schema_at_head', durable: false });
try {
  const url = server.urlFor('schema_at_head');
  const client = await connect(url);
  try {
    const graph = new RevisionGraph(await loadRevisions(path.join(ROOT, 'migrations')));
    const settings = { lockWaitMs: 30_000, lockTimeoutMs: 5_000, lockRetries: 3, statementTimeoutMs: 0 };
    await runToTarget({ client, graph, target: resolveUpgradeTarget(graph, 'heads', new Set()), settings, directUrl: url });
    if (what !== 'erd') {
      writeFileSync(path.join(ROOT, DATABASE_TYPES_FILE), await generateDatabaseTypes(url));
      process.stderr.write(`wrote ${DATABASE_TYPES_FILE}\n`);
    }
    if (what !== 'types') {
      const diagram = await generateErd(client);
      writeFileSync(path.join(ROOT, ERD_FILE), erdDocument(diagram));
      const readme = path.join(ROOT, 'README.md');
      writeFileSync(readme, withErdInReadme(readFileSync(readme, 'utf8'), diagram));
      process.stderr.write(`wrote ${ERD_FILE} and the ERD block of README.md\n`);
    }
  } finally {
    await disconnect(client);
  }
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
