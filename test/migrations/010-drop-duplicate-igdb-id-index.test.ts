import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { createSeedEraDatabase } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '010_drop_duplicate_igdb_id_index';
const REQUIRED_INDEXES = ['idx_collection_user_id', 'idx_games_title_search', 'idx_playthrough_user_status'];
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph, REVISION));
});
afterAll(async () => database?.drop());

describe(REVISION, () => {
  it('leaves one unique rule on igdb_id, games_igdb_id_key, which the upsert targets', async () => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'games'::regclass AND i.indisunique AND pg_get_indexdef(i.indexrelid) LIKE '%(igdb_id)%'`,
    );
    expect(rows.map((row) => row.name)).toEqual(['games_igdb_id_key']);
    await expect(client.query(`INSERT INTO games (igdb_id, title) VALUES (1, 'again')`)).rejects.toMatchObject({
      code: '23505',
      constraint: 'games_igdb_id_key',
    });
    const { rows: upserted } = await client.query<{ title: string }>(
      `INSERT INTO games (igdb_id, title) VALUES (1, 'Dark Souls Remastered')
       ON CONFLICT (igdb_id) DO UPDATE SET title = EXCLUDED.title RETURNING title`,
    );
    expect(upserted).toEqual([{ title: 'Dark Souls Remastered' }]);
  });

  it("keeps the seed's required indexes", async () => {
    const { rows } = await client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE indexname = ANY($1) ORDER BY 1`, [REQUIRED_INDEXES]);
    expect(rows.map((row) => row.indexname)).toEqual(REQUIRED_INDEXES);
  });
});
