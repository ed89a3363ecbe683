import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_THROTTLE, runBackgroundMigrations } from '../../src/background/run-batches.js';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { createSeedEraDatabase } from '../support/seed-era-data.js';
import { describeOnEachServer } from '../support/servers.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '016_search_by_popularity';
const WORDS = ['dark', 'souls', 'star', 'quest', 'night', 'iron', 'ocean', 'crown'];
const GAMES = 3000;
const PHRASES = ['dark souls', 'star', 'night iron', 'ocean crown quest', 'souls 1234', "o'brien", 'back\\slash', 'zzzunknown'];

// On PostgreSQL 18 and 15 (not through PgBouncer: the test sets enable_seqscan for its session).
describeOnEachServer(REVISION, (server) => {
  let graph: RevisionGraph;
  let database: TestDatabase;
  let client: pg.Client;

  /**
   * What search_games() must return, computed the slow way: every match, title matches first, then
   * the most owned (by class), then title and id; `owned` for the user.
   */
  async function expected(query: string, userId: string | null, limit: number): Promise<Array<{ id: string; owned: boolean; search_rank: number }>> {
    const { rows } = await client.query(
      `SELECT g.id,
              EXISTS (SELECT 1 FROM user_game_collection c WHERE c.user_id = $2 AND c.game_id = g.id AND c.is_active) AS owned,
              (100 * CASE WHEN to_tsvector('english', g.title) @@ q THEN 2 ELSE 1 END + g.search_class)::real AS search_rank
         FROM games g, plainto_tsquery('english', $1) AS q
        WHERE g.search_vector @@ q
        ORDER BY to_tsvector('english', g.title) @@ q DESC, g.search_class DESC, g.title, g.id
        LIMIT $3`,
      [query, userId, limit],
    );
    return rows;
  }

  const search = async (query: string, userId: string | null, limit: number) =>
    (await client.query(`SELECT id, owned, search_rank FROM search_games($1, $2, $3)`, [query, userId, limit])).rows;

  /** Games whose stored class is not their live one, and games whose bucket is not the one the bounds give. */
  const stale = async () =>
    (
      await client.query<{ classes: number; buckets: number }>(
        `SELECT count(*) FILTER (WHERE search_class <> game_owner_class(id))::int AS classes,
                count(*) FILTER (WHERE search_bucket <> game_search_bucket(search_class, title, id))::int AS buckets
           FROM games`,
      )
    ).rows[0]!;

  beforeAll(async () => {
    graph = await loadProjectGraph();
    ({ database, client } = await createSeedEraDatabase(graph, graph.resolve(REVISION).parents[0]!, server));
    // A catalogue large enough for several buckets (256, 256, 512, 1024, …) with many ties of title.
    await client.query(
      `INSERT INTO games (igdb_id, title, description)
       SELECT 500000 + i,
              initcap(w[1 + (i * 7) % 8]) || ' ' || initcap(w[1 + (i * 3) % 8]) || CASE WHEN i % 5 = 0 THEN '' ELSE ' ' || (i % 40) END,
              w[1 + (i * 5) % 8] || ' ' || w[1 + (i * 11) % 8] || ' ' || CASE WHEN i % 97 = 0 THEN 'O''Brien back\\slash' ELSE 'filler' END
         FROM generate_series(1, ${GAMES}) AS i, (SELECT ARRAY[${WORDS.map((word) => `'${word}'`).join(', ')}]) AS v(w)`,
    );
    // Owners: game i has (i % 13)² active owners when i is a multiple of 3, and one inactive row.
    await client.query(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active)
       SELECT 'owner-' || u, g.id, 'PC', 'DIGITAL', now(), true
         FROM games g, generate_series(1, 144) AS u
        WHERE g.igdb_id > 500000 AND (g.igdb_id - 500000) % 3 = 0 AND u <= ((g.igdb_id - 500000) % 13) ^ 2
       UNION ALL
       SELECT 'owner-inactive', g.id, 'PC', 'DIGITAL', now(), false FROM games g WHERE g.igdb_id > 500000 AND g.igdb_id % 2 = 0`,
    );
  }, 120_000);
  afterAll(async () => database?.drop());

  it('fills the classes in the background, and search_games returns exactly the title, popularity, title, id order', async () => {
    await migrateTo(client, graph, REVISION);
    expect((await stale()).classes).toBeGreaterThan(0); // the fill is the background migration's
    await runBackgroundMigrations(client, 'games_search_class', { throttle: { ...DEFAULT_THROTTLE, batchTimeMs: 0, sleepCoefficient: 0 } });
    expect(await stale()).toEqual({ classes: 0, buckets: 0 });
    const { rows: buckets } = await client.query<{ bucket: number; games: number }>(
      `SELECT search_bucket AS bucket, count(*)::int AS games FROM games GROUP BY 1 ORDER BY 1`,
    );
    expect(buckets.map((row) => row.games).slice(0, 4)).toEqual([256, 256, 512, 1024]);

    for (const query of PHRASES) {
      for (const limit of [1, 20, 700, GAMES + 100]) {
        expect(await search(query, 'owner-1', limit), `${query} (${limit})`).toEqual(await expected(query, 'owner-1', limit));
      }
    }
    expect(await search('the of and', null, 20)).toEqual([]);
    const owned = (await search('star', 'owner-1', GAMES)).map((row) => row.owned);
    expect(owned).toContain(true);
    expect(owned).toContain(false);
  });

  it('keeps the order exact for games added and renamed after the refresh, and a refresh writes only what changed', async () => {
    await client.query(
      `INSERT INTO games (igdb_id, title, description) SELECT 600000 + i, 'Dark Souls New ' || i, 'night' FROM generate_series(1, 50) AS i`,
    );
    await client.query(`UPDATE games SET title = 'Aaa Dark Souls Renamed' WHERE igdb_id BETWEEN 500100 AND 500110`);
    await client.query(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active)
       SELECT 'fan-' || u, g.id, 'PC', 'DIGITAL', now(), true FROM games g, generate_series(1, 600) AS u WHERE g.igdb_id = 600007`,
    );
    expect((await stale()).buckets).toBe(0);
    for (const query of ['dark souls', 'night', 'souls new']) expect(await search(query, null, 300)).toEqual(await expected(query, null, 300));

    const changed = Number((await client.query(`SELECT refresh_game_search_order() AS n`)).rows[0].n);
    expect(changed).toBeGreaterThan(0);
    expect(await stale()).toEqual({ classes: 0, buckets: 0 });
    expect((await search('souls new', null, 1))[0]).toMatchObject({ search_rank: 200 + 10 });
    for (const query of PHRASES) expect(await search(query, null, 300)).toEqual(await expected(query, null, 300));
    expect(Number((await client.query(`SELECT refresh_game_search_order() AS n`)).rows[0].n)).toBe(0);
  });

  it('plans each bucket through idx_games_search_keys, and down() restores the ranked search and its index', async () => {
    await client.query(`SET enable_seqscan = off`); // a 3000-row table would rather be read whole
    try {
      const { rows } = await client.query(
        `EXPLAIN SELECT id FROM games g WHERE game_search_keys(g.search_bucket, g.title, g.search_vector) @@ game_search_query(ARRAY['dark', 'soul'], 't3')`,
      );
      expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('idx_games_search_keys');
    } finally {
      await client.query(`RESET enable_seqscan`);
    }
    await migrateTo(client, graph, graph.resolve(REVISION).parents[0]!);
    const { rows } = await client.query(
      `SELECT to_regclass('idx_games_search_vector') IS NOT NULL AS old_index, to_regclass('idx_games_search_keys') IS NULL AS new_index_gone,
              to_regclass('game_search_buckets') IS NULL AS bounds_gone,
              NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'games' AND column_name LIKE 'search\\_%' AND column_name <> 'search_vector') AS columns_gone`,
    );
    expect(rows[0]).toEqual({ old_index: true, new_index_gone: true, bounds_gone: true, columns_gone: true });
    const ranked = await client.query(`SELECT title, search_rank FROM search_games('dark souls', NULL, 3)`);
    expect(ranked.rows).toHaveLength(3);
  });
}, { kinds: ['embedded', 'pg15'] });
