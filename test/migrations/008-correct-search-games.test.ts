import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { SEED_COLLECTION, SEED_GAMES, createSeedEraDatabase } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '008_correct_search_games';
const PARENT = '007_correct_user_game_stats';
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph, PARENT));
});
afterAll(async () => database?.drop());

interface Hit {
  id: string;
  title: string;
  owned: boolean;
  search_rank: number;
}
const search = async (query: string, user: string | null, limit = 20): Promise<Hit[]> =>
  (await client.query<Hit>(`SELECT id, title, owned, search_rank FROM search_games($1, $2, $3)`, [query, user, limit])).rows;
const signature = async (): Promise<string[]> =>
  (
    await client.query<{ signature: string }>(
      `SELECT pg_get_function_arguments(oid) || ' -> ' || pg_get_function_result(oid) AS signature FROM pg_proc WHERE proname = 'search_games'`,
    )
  ).rows.map((r) => r.signature);

/** The fixture's games whose title or description holds the word, and which of them the user owns (an active row, NULL counting as active after 006). */
function expectedHits(word: string, user: string): Array<{ title: string; owned: boolean }> {
  return SEED_GAMES.filter((g) => `${g.title} ${g.description ?? ''}`.toLowerCase().split(/\W+/).includes(word))
    .map((g) => ({
      title: g.title,
      owned: SEED_COLLECTION.some((r) => r.userId === user && r.igdbId === g.igdbId && r.isActive !== false),
    }))
    .sort((a, b) => a.title.localeCompare(b.title));
}

describe(REVISION, () => {
  it('returns one row per game with owned = any active row of the user, in the seed ranking order, with the same signature', async () => {
    const seedSignature = await signature();
    const seedAnonymous = await search('dark', null);
    const seedForAlice = await search('dark', 'alice');
    // The seed returns alice's Dark Souls once per active platform (PS5 and Steam).
    expect(seedForAlice.filter((hit) => hit.title === 'Dark Souls')).toHaveLength(2);

    await migrateTo(client, graph, REVISION);

    expect(await signature()).toEqual(seedSignature);
    expect(await search('dark', null)).toEqual(seedAnonymous);
    for (const user of ['alice', 'bob', 'carol']) {
      const hits = await search('dark', user);
      expect(new Set(hits.map((hit) => hit.id)).size).toBe(hits.length);
      expect(hits.map(({ title, owned }) => ({ title, owned })).sort((a, b) => a.title.localeCompare(b.title))).toEqual(expectedHits('dark', user));
    }
    const deduplicatedSeed = seedForAlice.filter((hit, index) => seedForAlice.findIndex((other) => other.id === hit.id) === index);
    expect((await search('dark', 'alice')).map((hit) => [hit.id, hit.search_rank])).toEqual(deduplicatedSeed.map((hit) => [hit.id, hit.search_rank]));
    expect(await search('dark', 'alice', 1)).toHaveLength(1);
  });

  it('ranks on the stored search_vector through its GIN index, kept current on writes', async () => {
    // Five games: without enable_seqscan = off the planner rightly prefers a scan of the table.
    await client.query('BEGIN; SET LOCAL enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT * FROM search_games('dark', 'alice', 20)`);
    await client.query('ROLLBACK');
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain('idx_games_search_vector');
    expect(plan).not.toContain('to_tsvector');
    await client.query(`UPDATE games SET description = 'a luminous pilgrimage' WHERE igdb_id = 4`);
    expect((await search('luminous', 'carol')).map(({ title, owned }) => ({ title, owned }))).toEqual([{ title: 'Mario Kart 8', owned: true }]);
    const { rows: indexes } = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'games' AND indexname IN ('idx_games_title_search', 'idx_games_fulltext_search') ORDER BY 1`,
    );
    expect(indexes.map((row) => row.indexname)).toEqual(['idx_games_title_search']);
  });

  it('down restores the seed function and its expression index', async () => {
    await migrateTo(client, graph, PARENT);
    expect((await search('dark', 'alice')).filter((hit) => hit.title === 'Dark Souls')).toHaveLength(2);
  });
});
