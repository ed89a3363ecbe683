/**
 * `npm run schema:dump`: builds a fresh database at head on a throw-away embedded PostgreSQL and
 * writes its description to schema/schema.sql.
 * `npm run schema:dump -- --describe URL --out FILE`: writes the bare description of an existing
 * database instead (scripts/seed-alembic/regenerate.sh uses it for the Alembic-built fixture).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, disconnect } from '../src/db/connect.js';
import { Migrator } from '../src/runner/migrator.js';
import { describeSchema } from '../src/schema/describe-schema.js';
import { SCHEMA_FILE, renderSchemaFile } from '../src/schema/schema-file.js';
import { PROJECT_REVISIONS_DIR, withHeadOnThrowawayServer } from './lib/throwaway-head.js';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

async function describeDatabase(url: string): Promise<{ heads: string[]; description: string }> {
  const client = await connect(url);
  try {
    const { heads } = await new Migrator({ revisionsDir: PROJECT_REVISIONS_DIR, client }).status();
    return { heads, description: await describeSchema(client) };
  } finally {
    await disconnect(client);
  }
}

async function describeFreshHead(): Promise<{ heads: string[]; description: string }> {
  return withHeadOnThrowawayServer('play-later-db', async (_url, client, heads) => ({ heads, description: await describeSchema(client) }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { describe: { type: 'string' }, out: { type: 'string' } } });
  if (values.describe !== undefined) {
    if (!values.out) throw new Error('--describe URL needs --out FILE');
    const { description } = await describeDatabase(values.describe);
    writeFileSync(path.resolve(values.out), description);
    console.error(`Wrote ${values.out}`);
    return;
  }
  const { heads, description } = await describeFreshHead();
  const out = path.resolve(PROJECT_ROOT, values.out ?? SCHEMA_FILE);
  writeFileSync(out, renderSchemaFile(heads, description));
  console.error(`Wrote ${path.relative(PROJECT_ROOT, out)} (head: ${heads.join(', ')})`);
}

try {
  await main();
} catch (error) {
  console.error(`schema:dump failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
