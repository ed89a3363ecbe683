/**
 * `upgrade --sql` queues a revision's background migrations where the online runner does: with the
 * revision's new head, as the owner role. A script applied with psql then leaves the same queue as
 * an online upgrade (revision 016 declares `games_search_class`; before, offline SQL left it out and
 * a catalogue upgraded that way kept every game in popularity class 0).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { loadProjectGraph } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const REVISION = '016_search_by_popularity';
let before: string;
const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];
let workDir: string;

beforeAll(async () => {
  before = (await loadProjectGraph()).resolve(REVISION).parents[0]!;
  workDir = mkdtempSync(path.join(os.tmpdir(), 'plt-offline-background-'));
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.end()));
  await Promise.all(databases.map((database) => database.drop()));
  rmSync(workDir, { recursive: true, force: true });
});

/** A database at the revision before 016, holding one game (so the migration has rows to do). */
async function databaseWithAGame(): Promise<{ database: TestDatabase; client: pg.Client }> {
  const database = await createTestDatabase({ from: 'empty' });
  databases.push(database);
  const result = await runCli(['upgrade', before], { env: { DATABASE_URL: database.url } });
  expect(result.code, result.stderr).toBe(0);
  const client = await database.connect();
  clients.push(client);
  await client.query(`INSERT INTO games (igdb_id, title) VALUES (1, 'Dark Souls')`);
  return { database, client };
}

async function queue(client: pg.Client): Promise<unknown> {
  const rows = await client.query(
    `SELECT name, revision, table_name, key_columns, set_list, where_clause, batch_size, status, rows_done FROM play_later_background_migrations ORDER BY name`,
  );
  const owner = await client.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'play_later_background_migrations'`);
  return { rows: rows.rows, owner: owner.rows };
}

it('upgrade --sql applied with psql queues the background migrations of a revision as online does', async () => {
  const online = await databaseWithAGame();
  const up = await runCli(['upgrade', REVISION], { env: { DATABASE_URL: online.database.url } });
  expect(up.code, up.stderr).toBe(0);
  const expected = await queue(online.client);
  expect(expected).toMatchObject({ rows: [{ name: 'games_search_class', revision: REVISION, status: 'queued' }], owner: [{ tableowner: 'play_later_owner' }] });

  const offline = await databaseWithAGame();
  const script = await runCli(['upgrade', `${before}:${REVISION}`, '--sql'], { env: { DATABASE_URL: 'postgresql://nobody:secret@127.0.0.1:1/nothing' } });
  expect(script.code, script.stderr).toBe(0);
  const file = path.join(workDir, 'upgrade.sql');
  writeFileSync(file, script.stdout);
  await promisify(execFile)('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, offline.database.url]);
  expect(await queue(offline.client)).toEqual(expected);
});
