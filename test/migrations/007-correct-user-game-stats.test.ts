import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { waitFor } from '../support/wait-for.js';
import { SEED_COLLECTION, SEED_PLAYTHROUGHS, createSeedEraDatabase, type SeedCollectionRow, type SeedPlaythrough } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '007_correct_user_game_stats';
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph, '006_backfill_is_active_default'));
});
afterAll(async () => database?.drop());

interface Stats {
  total_games: number;
  ps5_games: number;
  steam_games: number;
  xbox_games: number;
  switch_games: number;
  total_playthroughs: number;
  completed_games: number;
  currently_playing: number;
  backlog_size: number;
  total_hours: number;
  average_rating: number | null;
  avg_completion_time: number | null;
  completion_rate_percent: number;
}

/** PostgreSQL's ROUND(x, 1) for the positive values used here (half away from zero). */
const round1 = (value: number): number => Math.round(value * 10) / 10;
const average = (values: number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

/** What each user's stats must be, computed from the fixture in plain TypeScript (hours in cents: exact). */
function expectedStats(collection: readonly SeedCollectionRow[], playthroughs: readonly SeedPlaythrough[]): Record<string, Stats> {
  const users = [...new Set([...collection.map((r) => r.userId), ...playthroughs.map((p) => p.userId)])].sort();
  return Object.fromEntries(
    users.map((user) => {
      const active = collection.filter((r) => r.userId === user && r.isActive !== false);
      const plays = playthroughs.filter((p) => p.userId === user);
      const completed = plays.filter((p) => p.status === 'COMPLETED');
      const completedHours = completed.filter((p) => p.hours !== null).map((p) => Math.round(Number(p.hours) * 100));
      const avgRating = average(plays.filter((p) => p.rating !== null).map((p) => p.rating!));
      const avgCents = average(completedHours);
      return [
        user,
        {
          total_games: active.length,
          ps5_games: active.filter((r) => r.platform === 'PS5').length,
          steam_games: active.filter((r) => r.platform === 'Steam').length,
          xbox_games: active.filter((r) => r.platform === 'Xbox').length,
          switch_games: active.filter((r) => r.platform === 'Switch').length,
          total_playthroughs: plays.length,
          completed_games: completed.length,
          currently_playing: plays.filter((p) => p.status === 'PLAYING').length,
          backlog_size: plays.filter((p) => p.status === 'PLANNING').length,
          total_hours: completedHours.reduce((a, b) => a + b, 0) / 100,
          average_rating: avgRating === null ? null : round1(avgRating),
          avg_completion_time: avgCents === null ? null : round1(avgCents / 100),
          completion_rate_percent: plays.length ? round1((completed.length / plays.length) * 100) : 0,
        },
      ];
    }),
  );
}

async function statsInDatabase(): Promise<Record<string, Stats>> {
  const { rows } = await client.query<Record<string, string | null>>(`SELECT * FROM user_game_stats ORDER BY user_id`);
  return Object.fromEntries(
    rows.map(({ user_id, last_activity, ...rest }) => [
      user_id,
      Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, value === null ? null : Number(value)])) as unknown as Stats,
    ]),
  );
}

const columnTypes = async (): Promise<string[]> =>
  (
    await client.query<{ column: string }>(
      `SELECT attname || ' ' || format_type(atttypid, atttypmod) AS column FROM pg_attribute
        WHERE attrelid = 'user_game_stats'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    )
  ).rows.map((r) => r.column);

/** The xmin of every stats row: a row that was not rewritten keeps it. */
const rowVersions = async (): Promise<Record<string, string>> =>
  Object.fromEntries((await client.query<{ user_id: string; xmin: string }>(`SELECT user_id, xmin::text FROM user_game_stats`)).rows.map((r) => [r.user_id, r.xmin]));

describe(REVISION, () => {
  it('replaces the seed view, whose sums are multiplied, by a table with the right numbers and the same column types', async () => {
    await client.query(`SELECT refresh_user_stats()`);
    const seedTypes = await columnTypes();
    const { rows: seed } = await client.query<{ total_hours: string }>(`SELECT total_hours FROM user_game_stats WHERE user_id = 'alice'`);
    const expected = expectedStats(SEED_COLLECTION, SEED_PLAYTHROUGHS);
    // The seed's FULL OUTER JOIN counts alice's completed hours once per collection row (3 of them).
    expect(Number(seed[0]!.total_hours)).toBe(expected.alice!.total_hours * 3);

    const logged = await migrateTo(client, graph, REVISION);

    expect(logged).toContain(`007: user_game_stats recomputed for ${Object.keys(expected).length} user(s)`);
    expect(await columnTypes()).toEqual(seedTypes);
    expect(await statsInDatabase()).toEqual(expected);
    expect(expected.alice!.total_hours).toBe(40.5);
    const { rows: index } = await client.query(
      `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'idx_user_stats_user_id' AND i.indisunique
          AND i.indrelid = 'user_game_stats'::regclass`,
    );
    expect(index).toHaveLength(1);
  });

  it("refresh_user_stats('u') recomputes only u's row; refresh_user_stats() recomputes every row", async () => {
    const collection = [...SEED_COLLECTION, { key: 'bob-3-switch', userId: 'bob', igdbId: 3, platform: 'Switch', isActive: true }];
    const playthroughs = [
      ...SEED_PLAYTHROUGHS,
      { key: 'alice-4-done', userId: 'alice', igdbId: 4, status: 'COMPLETED', platform: 'Switch', hours: '7.25', rating: 10, collection: null },
      { key: 'frank-2-now', userId: 'frank', igdbId: 2, status: 'PLAYING', platform: 'PS5', hours: null, rating: null, collection: null },
    ];
    await client.query(
      `INSERT INTO game_playthrough (user_id, game_id, status, platform, play_time_hours, rating)
       SELECT 'alice', id, 'COMPLETED', 'Switch', 7.25, 10 FROM games WHERE igdb_id = 4
       UNION ALL SELECT 'frank', id, 'PLAYING', 'PS5', NULL, NULL FROM games WHERE igdb_id = 2`,
    );
    await client.query(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
       SELECT 'bob', id, 'Switch', 'PHYSICAL', now() FROM games WHERE igdb_id = 3`,
    );
    await client.query(`DELETE FROM user_game_collection WHERE user_id = 'carol'`);
    const stale = await statsInDatabase();
    const versions = await rowVersions();
    const expected = expectedStats(collection.filter((r) => r.userId !== 'carol'), playthroughs);

    await client.query(`SELECT refresh_user_stats('alice')`);
    const afterAlice = await statsInDatabase();
    expect(afterAlice.alice).toEqual(expected.alice);
    expect(afterAlice.alice!.total_hours).toBe(47.75);
    const { alice: _a, ...othersNow } = afterAlice;
    const { alice: _b, ...othersBefore } = stale;
    expect(othersNow).toEqual(othersBefore);
    const { alice: _c, ...otherVersions } = await rowVersions();
    const { alice: _d, ...otherVersionsBefore } = versions;
    expect(otherVersions).toEqual(otherVersionsBefore);

    await client.query(`SELECT refresh_user_stats('frank')`);
    await client.query(`SELECT refresh_user_stats('carol')`);
    const afterUsers = await statsInDatabase();
    expect(afterUsers.frank).toEqual(expected.frank);
    expect(afterUsers.carol).toBeUndefined();
    expect(afterUsers.bob).toEqual(stale.bob);

    await client.query(`SELECT refresh_user_stats()`);
    expect(await statsInDatabase()).toEqual(expected);
  });

  it('two transactions that write and refresh the same user serialize, so the later refresh sees both writes', async () => {
    const [first, second] = [await database.connect(), await database.connect()];
    const addPlaythrough = (client: pg.Client, hours: string) =>
      client.query(
        `INSERT INTO game_playthrough (user_id, game_id, status, platform, play_time_hours)
         SELECT 'alice', id, 'COMPLETED', 'PC', $1 FROM games WHERE igdb_id = 5`,
        [hours],
      );
    await first.query('BEGIN');
    await addPlaythrough(first, '1.25');
    await first.query(`SELECT refresh_user_stats('alice')`);
    await second.query('BEGIN');
    await addPlaythrough(second, '2.50');
    const secondRefresh = second.query(`SELECT refresh_user_stats('alice')`);
    await waitFor('the second refresh to wait for the first one\'s lock', async () => {
      const { rows } = await client.query<{ waiting: number }>(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      return rows[0]!.waiting > 0;
    });
    await first.query('COMMIT');
    await secondRefresh;
    await second.query('COMMIT');
    const concurrent = (await statsInDatabase()).alice;
    await client.query(`SELECT refresh_user_stats('alice')`);
    expect(concurrent).toEqual((await statsInDatabase()).alice);
  });

  it('down restores the seed materialized view and its refresh function', async () => {
    await migrateTo(client, graph, '006_backfill_is_active_default');
    const { rows } = await client.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = 'user_game_stats'`);
    expect(rows).toEqual([{ relkind: 'm' }]);
    await client.query(`SELECT refresh_user_stats('alice')`);
  });
});
