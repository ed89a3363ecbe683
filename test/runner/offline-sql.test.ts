/**
 * Item 7 of issue 3: `upgrade/downgrade <target> --sql` prints the complete script without
 * contacting any database; applied with psql it gives the same schema (and bookkeeping) as the
 * online run; a revision that reads data fails with E_OFFLINE_UNSUPPORTED naming it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { concurrentIndexFixture, type FixtureProject, projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const HEAD = '902_fixture_parameters';
const fixtures = revisionsDirWith([
  concurrentIndexFixture('901_fixture_concurrent_index', PROJECT.head),
  {
    id: HEAD,
    parent: '901_fixture_concurrent_index',
    up: `await db.schema.createTable('fixture_values').addColumn('name', 'text').addColumn('n', 'integer').addColumn('ok', 'boolean').execute();
  await db.insertInto('fixture_values').values({ name: "it's $1 -- not a comment", n: 3, ok: true }).execute();
  const { rows } = await sql<{ n: number }>\`SELECT count(*)::int AS n FROM fixture_values\`.execute(db);
  context.log('fixture_values holds ' + String(rows[0]?.n ?? 0) + ' row(s)');`,
    down: `await db.schema.dropTable('fixture_values').execute();`,
  },
]);
const readsData = revisionsDirWith([
  {
    id: '901_fixture_reads_rows',
    parent: PROJECT.head,
    up: `const rows = await db.selectFrom('games').select('id').execute();
  if (rows.length > 0) await sql\`UPDATE games SET title = title\`.execute(db);`,
    down: '',
  },
  {
    id: '902_fixture_refuses_offline',
    parent: '901_fixture_reads_rows',
    up: `if (context.offline) throw new Error('it needs the rows of games to decide');`,
    down: '',
  },
]);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'plt-offline-'));
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  fixtures.cleanup();
  readsData.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

/** Offline: DATABASE_URL points at a port where nothing listens, so any connection attempt fails. */
async function offlineSql(project: FixtureProject, ...args: string[]) {
  return runCli(args, { env: project.env('postgresql://nobody:secret@127.0.0.1:1/nothing') });
}

async function applyWithPsql(database: TestDatabase, script: string): Promise<void> {
  const file = path.join(workDir, `${database.name}.sql`);
  writeFileSync(file, script);
  await promisify(execFile)('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, database.url]);
}

async function newDatabase(): Promise<{ database: TestDatabase; client: pg.Client }> {
  const database = await createTestDatabase({ from: 'empty' });
  databases.push(database);
  return { database, client: await database.connect() };
}

const online = (database: TestDatabase, ...args: string[]) =>
  runCli(args, { env: fixtures.env(database.url) });

async function bookkeeping(client: pg.Client): Promise<unknown> {
  const versions = await client.query('SELECT version_num FROM alembic_version ORDER BY 1');
  const history = await client.query(`SELECT revision, direction, status, checksum, file FROM play_later_revision_history ORDER BY id`);
  return { versions: versions.rows, history: history.rows };
}

describe('offline SQL', () => {
  let onlineHead: { schema: string; bookkeeping: unknown; values: unknown };

  beforeAll(async () => {
    const { database, client } = await newDatabase();
    const result = await online(database, 'upgrade', 'head');
    expect(result.code, result.stderr).toBe(0);
    onlineHead = {
      schema: await describeSchema(client),
      bookkeeping: await bookkeeping(client),
      values: (await client.query('SELECT * FROM fixture_values')).rows,
    };
  });

  it('upgrade head --sql connects to nothing (not even the embedded server) and, applied with psql, gives the online schema', async () => {
    const result = await offlineSql(fixtures, 'upgrade', 'head', '--sql');
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(fixtures.embeddedDataDir)).toBe(false);
    expect(result.stdout).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_fixture_games_created');
    expect(result.stdout).toContain(`INSERT INTO alembic_version (version_num) VALUES ('001_initial_schema')`);
    expect(result.stdout).toContain(`values ('it''s $1 -- not a comment', 3, TRUE)`);
    // It reads rows only for its log: the script is right, and the report says so.
    expect(result.stderr).toContain(`${HEAD} reads query results only to report them; offline, its report shows no rows.`);

    const { database, client } = await newDatabase();
    await applyWithPsql(database, result.stdout);
    expect(await describeSchema(client)).toBe(onlineHead.schema);
    expect(await bookkeeping(client)).toEqual(onlineHead.bookkeeping);
    expect((await client.query('SELECT * FROM fixture_values')).rows).toEqual(onlineHead.values);
    const index = await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_fixture_games_created'::regclass`);
    expect(index.rows).toEqual([{ indisvalid: true }]);
    const who = await client.query(`SELECT DISTINCT application, host FROM play_later_revision_history`);
    expect(who.rows).toEqual([{ application: 'psql', host: 'offline SQL (play-later-db --sql)' }]);

    // downgrade <from>:<to> --sql takes it back to base.
    const down = await offlineSql(fixtures, 'downgrade', `${HEAD}:base`, '--sql');
    expect(down.code, down.stderr).toBe(0);
    await applyWithPsql(database, down.stdout);
    expect(await describeSchema(client)).toBe('\n');
    expect((await client.query('SELECT count(*)::int AS n FROM alembic_version')).rows).toEqual([{ n: 0 }]);
  });

  it('from:to ranges start where the database is; the script refuses a database elsewhere', async () => {
    const { database, client } = await newDatabase();
    expect((await online(database, 'upgrade', '002')).code).toBe(0);
    const wrongStart = await offlineSql(fixtures, 'upgrade', '003:head', '--sql');
    await expect(applyWithPsql(database, wrongStart.stdout)).rejects.toThrow(/this script expects the database at 003_add_functions_triggers, it is at 002_add_performance_indexes/);

    const range = await offlineSql(fixtures, 'upgrade', '002:head', '--sql');
    expect(range.code, range.stderr).toBe(0);
    expect(range.stdout).not.toContain('CREATE TABLE games');
    await applyWithPsql(database, range.stdout);
    expect(await describeSchema(client)).toBe(onlineHead.schema);

    const downgrade = await offlineSql(fixtures, 'downgrade', '-2', '--sql');
    expect(downgrade.code, downgrade.stderr).toBe(0);
    await applyWithPsql(database, downgrade.stdout);
    expect((await client.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: PROJECT.head }]);
  });

  it('fails with E_OFFLINE_UNSUPPORTED naming a revision whose SQL depends on rows it reads, or that refuses offline mode', async () => {
    const reads = await offlineSql(readsData, 'upgrade', `${PROJECT.head}:head`, '--sql');
    expect(reads.code).toBe(1);
    expect(reads.stderr).toMatch(/error E_OFFLINE_UNSUPPORTED: Revision 901_fixture_reads_rows \(\S+901_fixture_reads_rows\.ts\) cannot be rendered as offline SQL: its SQL depends on the rows a query returns/);
    expect(reads.stdout).toBe('');

    const refuses = await offlineSql(readsData, 'upgrade', '901:head', '--sql');
    expect(refuses.code).toBe(1);
    expect(refuses.stderr).toMatch(/error E_OFFLINE_UNSUPPORTED: Revision 902_fixture_refuses_offline .*: it needs the rows of games to decide/);
  });
});
