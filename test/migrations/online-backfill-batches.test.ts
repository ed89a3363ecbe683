/**
 * The batched backfills of 006 (is_active) and 008 (search_vector) walk the table by primary key,
 * 1,000 rows per committed batch: on more rows than one batch, every row is filled, exactly the
 * rows to fix are counted, and updated_at is kept everywhere.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { SEED_REVISION, loadProjectGraph } from '../support/template-databases.js';

/** Several batches, and not a multiple of the batch size. */
const ROWS = 12_345;
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  database = await createTestDatabase({ from: 'empty' });
  client = await database.connect();
  await migrateTo(client, graph, SEED_REVISION);
  await client.query(
    `INSERT INTO games (igdb_id, title, description, updated_at)
     SELECT n, 'Game ' || n, CASE WHEN n % 3 = 0 THEN NULL ELSE 'story number ' || n END, TIMESTAMPTZ '2024-01-01 00:00:00+00' + n * interval '1 second'
       FROM generate_series(1, $1) AS n`,
    [ROWS],
  );
  // Every third row NULL, as plain SQL left it in the seed's days.
  await client.query(
    `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active, updated_at)
     SELECT 'user-' || (g.igdb_id % 97), g.id, 'PS5', 'DIGITAL', TIMESTAMPTZ '2024-01-01 00:00:00+00',
            CASE g.igdb_id % 3 WHEN 0 THEN NULL WHEN 1 THEN true ELSE false END, TIMESTAMPTZ '2024-02-01 00:00:00+00' + g.igdb_id * interval '1 second'
       FROM games g`,
  );
});
afterAll(async () => database?.drop());

const stamps = async (table: string): Promise<string> =>
  (await client.query<{ digest: string }>(`SELECT md5(string_agg(id::text || updated_at::text, ',' ORDER BY id)) AS digest FROM ${table}`)).rows[0]!.digest;

describe('online backfills over several batches', () => {
  it('006 sets every NULL is_active to true, counts them, and keeps updated_at', async () => {
    const before = await stamps('user_game_collection');
    const logged = await migrateTo(client, graph, '006_backfill_is_active_default');
    expect(logged).toContain(`006: ${Math.floor(ROWS / 3)} collection row(s) with is_active NULL set to true`);
    const { rows } = await client.query<{ active: string; inactive: string; unset: string }>(
      `SELECT count(*) FILTER (WHERE is_active) AS active, count(*) FILTER (WHERE NOT is_active) AS inactive, count(*) FILTER (WHERE is_active IS NULL) AS unset
         FROM user_game_collection`,
    );
    expect(rows).toEqual([{ active: String(ROWS - Math.floor((ROWS + 1) / 3)), inactive: String(Math.floor((ROWS + 1) / 3)), unset: '0' }]);
    expect(await stamps('user_game_collection')).toBe(before);
  });

  it("008 fills search_vector of every game with the seed's expression, and keeps updated_at", async () => {
    const before = await stamps('games');
    await migrateTo(client, graph, '008_correct_search_games');
    const { rows } = await client.query<{ wrong: string }>(
      `SELECT count(*) AS wrong FROM games
        WHERE search_vector IS DISTINCT FROM to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))`,
    );
    expect(rows).toEqual([{ wrong: '0' }]);
    expect(await stamps('games')).toBe(before);
    const { rows: hits } = await client.query<{ title: string }>(`SELECT title FROM search_games('story 12344', NULL, 5)`);
    expect(hits).toEqual([{ title: 'Game 12344' }]);
  });
});
