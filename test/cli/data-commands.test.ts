import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_GAME_COUNT } from '../../src/demo/demo-data-set.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let scratch: string;
beforeAll(async () => {
  database = await createTestDatabase({ from: 'head' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'play-later-cli-'));
  chmodSync(scratch, 0o755); // the embedded server runs as the postgres user, which must enter it
});
afterAll(async () => {
  await database.drop();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['-d', database.url, ...args], { env: { PLAY_LATER_SESSION_KEYS: undefined, ...env } });
const counts = async (): Promise<Record<string, number>> => {
  const client = await database.connect();
  const { rows } = await client.query<{ games: number; collection: number; playthroughs: number }>(
    `SELECT (SELECT count(*) FROM games)::int AS games, (SELECT count(*) FROM user_game_collection)::int AS collection, (SELECT count(*) FROM game_playthrough)::int AS playthroughs`,
  );
  return rows[0]!;
};

describe('data commands', () => {
  it('demo-data loads a deterministic data set, and loading it again changes nothing', async () => {
    const first = await cli(['--json', 'demo-data']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, games: DEMO_GAME_COUNT, users: 4, collectionAdded: 167, playthroughsAdded: 106 });
    expect(await counts()).toEqual({ games: 300, collection: 167, playthroughs: 106 });
    // The search order knows the owners just added (refresh_game_search_order, revision 016).
    const client = await database.connect();
    const { rows } = await client.query(
      `SELECT count(*) FILTER (WHERE search_class <> game_owner_class(id))::int AS stale, count(*) FILTER (WHERE search_class > 0)::int AS owned FROM games`,
    );
    expect(rows[0]).toMatchObject({ stale: 0, owned: expect.any(Number) });
    expect(rows[0].owned).toBeGreaterThan(0);
    const again = await cli(['--json', 'demo-data']);
    expect(JSON.parse(again.stdout)).toMatchObject({ collectionAdded: 0, playthroughsAdded: 0 });
    expect(await counts()).toEqual({ games: 300, collection: 167, playthroughs: 106 });
  });

  it('search and stats read the demo data; a user mistake is a typed error, not SQL', async () => {
    const search = await cli(['--json', 'search', 'knight dragon', '--user', 'demo-alice', '--limit', '3']);
    expect(search.code).toBe(0);
    const games = JSON.parse(search.stdout).games as { title: string; owned: boolean }[];
    expect(games).toHaveLength(3);
    const stats = await cli(['--json', 'stats', 'demo-dan']);
    expect(JSON.parse(stats.stdout).stats).toMatchObject({ user_id: 'demo-dan', total_games: expect.any(Number) });
    const stopWords = await cli(['search', 'the and of']);
    expect(stopWords.code).toBe(2);
    expect(stopWords.stderr).toMatch(/^error E_VALIDATION: query "the and of" has only stop words/);
    expect(stopWords.stderr).not.toMatch(/at .*\.js/);
  });

  it('import-games imports a CSV with progress, and lists bad rows by line without importing any', async () => {
    const good = path.join(scratch, 'good.csv');
    writeFileSync(good, 'igdb_id,title,main_story\n42,Outer Wilds,17\n43,"Return of the Obra Dinn",9\n');
    const imported = await cli(['import-games', good]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/Imported 2 rows into .* 2 added, 0 updated\./);
    expect(imported.stderr).toMatch(/2 rows read \(100%\)/);
    const bad = path.join(scratch, 'bad.csv');
    writeFileSync(bad, 'igdb_id,title\n44,Fine\n45,\nx,Bad id\n');
    const rejected = await cli(['--json', 'import-games', bad]);
    expect(rejected.code).toBe(2);
    const error = JSON.parse(rejected.stdout).error;
    expect(error).toMatchObject({ code: 'E_VALIDATION', badCount: 2 });
    expect(error.badRows.map((row: { line: number }) => row.line)).toEqual([3, 4]);
    const client = await database.connect();
    expect((await client.query('SELECT 1 FROM games WHERE igdb_id = 44')).rowCount).toBe(0);
  });

  it('reencrypt-sessions needs the key variable and says so', async () => {
    const missing = await cli(['reencrypt-sessions']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error E_KEY_MISSING: PLAY_LATER_SESSION_KEYS is not set/);
    const ok = await cli(['reencrypt-sessions'], { PLAY_LATER_SESSION_KEYS: `k9:${Buffer.alloc(32, 7).toString('base64')}` });
    expect(ok.stdout).toMatch(/Re-encrypted 0 of 0 sessions/);
  });

  it('data commands refuse a database that is not at head', async () => {
    const empty = await createTestDatabase({ from: 'empty' });
    try {
      const result = await runCli(['-d', empty.url, 'demo-data']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/error E_USAGE: The database is not at head/);
    } finally {
      await empty.drop();
    }
  });

  it('setup (npm start) brings an empty embedded database to head and loads the demo data once', async () => {
    const env = { DATABASE_URL: undefined, PLAY_LATER_DATA_DIR: path.join(scratch, 'embedded') };
    const first = await runCli(['setup'], { env, timeoutMs: 120_000 });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/loading the demo data set/);
    // The app's URL, beside the owner's, masked; its password only in its file.
    expect(first.stderr).toMatch(/^While `npm run db` runs, the app connects as postgresql:\/\/play_later_app_login:\*\*\*@localhost:54320\/play-later-db \(role play_later_app; password in .*app-password\)/m);
    const appPassword = readFileSync(path.join(scratch, 'embedded', 'app-password'), 'utf8').trim();
    expect(first.stdout + first.stderr).not.toContain(appPassword);
    expect(first.stderr, 'npm start ends with what to do next').toMatch(/Next:\n {2}npm run db .*\n {2}npx play-later-db psql/);
    const second = await runCli(['--json', 'demo-data'], { env, timeoutMs: 120_000 });
    expect(JSON.parse(second.stdout)).toMatchObject({ collectionAdded: 0, playthroughsAdded: 0 });
    const again = await runCli(['setup'], { env, timeoutMs: 120_000 });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/loading the demo data set/);
  }, 360_000); // three CLI runs, each starting the embedded server (up to 120 s each on a loaded machine)
});
