/**
 * Proof of fidelity to the seed. scripts/seed-alembic/regenerate.sh built the seed's five revisions
 * with the real Alembic (minimal fixes of docs/seed-notes.md) on PostgreSQL 15 and committed:
 *   test/fixtures/seed-alembic/schema-005.sql       our description of that database
 *   test/fixtures/seed-alembic/alembic-005-dump.sql a plain pg_dump of it (schema + alembic_version row)
 * Our runner's database at 005_add_database_views must describe identically, object by object, with
 * function bodies equal byte for byte; a restored Alembic database must be adopted as it is.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKKEEPING_TABLES } from '../../src/schema/describe-schema.js';
import { readHeads } from '../../src/runner/version-table.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { runCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { PROJECT_ROOT, SEED_REVISION, loadProjectGraph } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'seed-alembic');
const SEED_VERSIONS = path.join(PROJECT_ROOT, 'scripts', 'seed-alembic', 'alembic', 'versions');
const REGENERATE = 'scripts/seed-alembic/regenerate.sh';
const fixture = (name: 'schema-005.sql' | 'alembic-005-dump.sql'): string => readFileSync(path.join(FIXTURES, name), 'utf8');

const databases: TestDatabase[] = [];
let ours: pg.Client;
let restored: TestDatabase;
let restoredClient: pg.Client;

async function track(database: Promise<TestDatabase>): Promise<TestDatabase> {
  databases.push(await database);
  return databases.at(-1)!;
}

/** Loads the Alembic database's dump (plain SQL) on a connection of its own: the dump empties search_path. */
async function restoreAlembicDump(database: TestDatabase): Promise<void> {
  const client = await database.connect();
  await client.query(fixture('alembic-005-dump.sql'));
  await client.end();
}

/**
 * A description split into its objects (blocks separated by a blank line), keyed by their first line
 * (`CREATE TABLE games (`, `CREATE INDEX idx_… ON …`): a failure lists the objects that differ.
 */
function byObject(description: string): Record<string, string> {
  const objects: Record<string, string> = {};
  for (const block of description.trimEnd().split(/\n\n(?=\S)/)) {
    const firstLine = block.split('\n', 1)[0]!;
    let key = firstLine;
    for (let n = 2; key in objects; n += 1) key = `${firstLine} #${n}`;
    objects[key] = block;
  }
  return objects;
}

async function functionBodies(client: pg.Client): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; prosrc: string }>(
    `SELECT p.proname AS name, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.prosrc]));
}

/** The body of every CREATE FUNCTION in the seed's Alembic revisions, as the seed's Python strings hold it. */
function seedFunctionBodies(): Record<string, string> {
  const bodies: Record<string, string> = {};
  for (const file of readdirSync(SEED_VERSIONS).filter((name) => name.endsWith('.py'))) {
    const source = readFileSync(path.join(SEED_VERSIONS, file), 'utf8');
    for (const match of source.matchAll(/CREATE OR REPLACE FUNCTION (\w+)\([\s\S]*?AS \$\$([\s\S]*?)\$\$/g)) bodies[match[1]!] = match[2]!;
  }
  return bodies;
}

beforeAll(async () => {
  ours = await (await track(createTestDatabase({ from: SEED_REVISION }))).connect();
  restored = await track(createTestDatabase({ from: 'empty' }));
  await restoreAlembicDump(restored);
  restoredClient = await restored.connect();
});
afterAll(async () => Promise.all(databases.map((database) => database.drop())));

describe(`our ${SEED_REVISION} against the seed's Alembic`, () => {
  it('describes identically, object by object (fixture schema-005.sql)', async () => {
    const alembic = fixture('schema-005.sql');
    expect(await describeSchema(restoredClient), `a restore of alembic-005-dump.sql describes differently from schema-005.sql (both come from ${REGENERATE})`).toBe(alembic);
    const description = await describeSchema(ours);
    expect(byObject(description)).toEqual(byObject(alembic));
    expect(description).toBe(alembic);
  });

  it('has the same function bodies byte for byte (pg_proc.prosrc), equal to the seed’s SQL strings', async () => {
    const seed = seedFunctionBodies();
    expect(Object.keys(seed).sort()).toEqual(['cleanup_expired_sessions', 'refresh_user_stats', 'search_games', 'update_updated_at_column']);
    expect(await functionBodies(ours)).toEqual(seed);
    expect(await functionBodies(restoredClient)).toEqual(seed);
  });

  it('has the same version table as Alembic’s', async () => {
    const versionTable = (client: pg.Client) =>
      client.query(
        `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, c.conname, c.contype
           FROM pg_attribute a JOIN pg_constraint c ON c.conrelid = a.attrelid AND c.contype = 'p'
          WHERE a.attrelid = 'alembic_version'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
      );
    expect((await versionTable(ours)).rows).toEqual((await versionTable(restoredClient)).rows);
    expect((await versionTable(ours)).rows).toEqual([{ attname: 'version_num', type: 'character varying(32)', attnotnull: true, conname: 'alembic_version_pkc', contype: 'p' }]);
  });
});

// docs/seed-notes.md's own criterion, where a pg_dump that matches the server is at hand (Debian's, for
// PostgreSQL 15): the same plain pg_dump as the Alembic-built database (the fixture), apart from
// the server's version in its header and the runner's own history table.
describeOnEachServer(
  `our ${SEED_REVISION} and the seed's Alembic in pg_dump`,
  (server) => {
    it('gives the same pg_dump, and the same description', async () => {
      const database = await track(createTestDatabase({ from: SEED_REVISION, server }));
      expect(await describeSchema(await database.connect())).toBe(fixture('schema-005.sql'));
      const { stdout } = await promisify(execFile)('pg_dump', [
        '--inserts', '--no-owner', '--no-privileges',
        ...BOOKKEEPING_TABLES.filter((table) => table !== 'alembic_version').map((table) => `--exclude-table=${table}`),
        database.directUrl,
      ]);
      const comparable = (dump: string) => dump.replace(/^(-- Dumped (from|by) .*|\\(un)?restrict .*)\n/gm, '');
      expect(comparable(stdout)).toBe(comparable(fixture('alembic-005-dump.sql')));
    });
  },
  { kinds: ['pg15'] },
);

describe('adopting a database that the seed’s Alembic migrated', () => {
  it('is recognized by the runner as being at 005_add_database_views, its materialized view populated', async () => {
    expect(await readHeads(restoredClient)).toEqual([SEED_REVISION]);
    const { rows } = await restoredClient.query(`SELECT relispopulated FROM pg_class WHERE oid = 'user_game_stats'::regclass`);
    expect(rows).toEqual([{ relispopulated: true }]);
  });

  it('is reported by the CLI as at 005 and upgrades to head', async () => {
    const env = { DATABASE_URL: undefined };
    const current = await runCli(['current', '--json', '--database-url', restored.url], { env });
    expect(current.code, current.stderr).toBe(0);
    const graph = await loadProjectGraph();
    const pending = graph.order.map((revision) => revision.id).slice(graph.order.findIndex((revision) => revision.id === SEED_REVISION) + 1);
    expect(JSON.parse(current.stdout)).toMatchObject({ heads: [SEED_REVISION], pending, atHead: pending.length === 0 });

    const upgrade = await runCli(['upgrade', 'head', '--json', '--database-url', restored.url], { env });
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(JSON.parse(upgrade.stdout)).toMatchObject({ before: [SEED_REVISION], after: graph.heads });
  });
});
