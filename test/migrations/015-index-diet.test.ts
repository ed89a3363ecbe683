import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { createSeedEraDatabase } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '015_index_diet';
const DROPPED = [
  'idx_collection_active',
  'idx_collection_platform_priority',
  'idx_collection_user_platform',
  'idx_collection_user_priority',
  'idx_playthrough_completed_rating',
  'idx_playthrough_status_platform',
  'idx_playthrough_status_rating',
  'idx_playthrough_user_completed',
  'idx_playthrough_user_platform',
  'idx_playthrough_user_rating',
];
/** The seed health check's three, the cascades' two, and the collection's keyset pagination. */
const KEPT = [
  'idx_collection_game_id',
  'idx_collection_user_acquired',
  'idx_collection_user_id',
  'idx_games_title_search',
  'idx_playthrough_game_user',
  'idx_playthrough_user_status',
];
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

const indexDefinitions = async (names: readonly string[]): Promise<Record<string, string>> => {
  const { rows } = await client.query<{ name: string; definition: string; valid: boolean }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = ANY($1)`,
    [names],
  );
  expect(rows.every((row) => row.valid)).toBe(true);
  return Object.fromEntries(rows.map((row) => [row.name, row.definition]));
};

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph, graph.resolve(REVISION).parents[0]!));
});
afterAll(async () => database?.drop());

describe(REVISION, () => {
  it('drops the ten unused indexes, keeps the required, cascade and pagination ones, and down() rebuilds the seed definitions', async () => {
    const before = await indexDefinitions([...DROPPED, ...KEPT]);
    expect(Object.keys(before).sort()).toEqual([...DROPPED, ...KEPT].sort());

    await migrateTo(client, graph, REVISION);
    expect(Object.keys(await indexDefinitions([...DROPPED, ...KEPT])).sort()).toEqual([...KEPT].sort());

    await migrateTo(client, graph, graph.resolve(REVISION).parents[0]!);
    expect(await indexDefinitions([...DROPPED, ...KEPT])).toEqual(before);
  });

  it('still plans a user-scoped page and a cascade from games on an index', async () => {
    await migrateTo(client, graph, REVISION);
    await client.query('SET enable_seqscan = off');
    try {
      const page = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM user_game_collection WHERE user_id = 'u' ORDER BY acquired_at DESC LIMIT 20`,
      );
      expect(page.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/idx_collection_user_acquired/);
      const cascade = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT 1 FROM game_playthrough WHERE game_id = '00000000-0000-0000-0000-000000000000'`,
      );
      expect(cascade.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/idx_playthrough_game_user/);
    } finally {
      await client.query('RESET enable_seqscan');
    }
  });
});
