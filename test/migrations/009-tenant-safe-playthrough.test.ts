import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { SEED_COLLECTION, SEED_PLAYTHROUGHS, createSeedEraDatabase } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '009_tenant_safe_playthrough';
const PARENT = '008_correct_search_games';
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph, PARENT));
});
afterAll(async () => database?.drop());

/** Each playthrough (by key) with the key of the collection row it links, or null. */
const links = async (): Promise<Record<string, string | null>> =>
  Object.fromEntries(
    (
      await client.query<{ play: string; row: string | null }>(
        `SELECT p.notes AS play, c.notes AS row FROM game_playthrough p LEFT JOIN user_game_collection c ON c.id = p.collection_id`,
      )
    ).rows.map((r) => [r.play, r.row]),
  );
const stamps = async (): Promise<string[]> =>
  (await client.query<{ at: string }>(`SELECT updated_at::text AS at FROM game_playthrough ORDER BY notes`)).rows.map((r) => r.at);
/** Links playthrough `play` to collection row `row` (both by key). */
const link = (play: string, row: string): Promise<pg.QueryResult> =>
  client.query(`UPDATE game_playthrough SET collection_id = (SELECT id FROM user_game_collection WHERE notes = $2) WHERE notes = $1`, [play, row]);

describe(REVISION, () => {
  it("unlinks (and counts) playthroughs that point to another user's or another game's row, keeping the valid links", async () => {
    const rowOf = (key: string) => SEED_COLLECTION.find((row) => row.key === key)!;
    const valid = (play: (typeof SEED_PLAYTHROUGHS)[number]): boolean =>
      play.collection !== null && rowOf(play.collection).userId === play.userId && rowOf(play.collection).igdbId === play.igdbId;
    const broken = SEED_PLAYTHROUGHS.filter((play) => play.collection !== null && !valid(play));
    expect(broken.map((play) => play.key).sort()).toEqual(['bob-1-done', 'bob-2-plan']);
    const stampsBefore = await stamps();

    const logged = await migrateTo(client, graph, REVISION);

    expect(logged).toContain(`009: ${broken.length} playthrough link(s) to another user's or another game's collection row set to NULL`);
    expect(await links()).toEqual(Object.fromEntries(SEED_PLAYTHROUGHS.map((play) => [play.key, valid(play) ? play.collection : null])));
    expect(await stamps()).toEqual(stampsBefore);
  });

  it('rejects a link to another user or another game, by the named constraint', async () => {
    await expect(link('bob-1-done', 'alice-1-ps5')).rejects.toMatchObject({ code: '23503', constraint: 'fk_playthrough_collection_same_owner' });
    await expect(link('bob-2-plan', 'bob-1-xbox')).rejects.toMatchObject({ code: '23503', constraint: 'fk_playthrough_collection_same_owner' });
    await link('bob-1-done', 'bob-1-xbox');
    expect((await links())['bob-1-done']).toBe('bob-1-xbox');
  });

  it('deleting the collection row clears only collection_id', async () => {
    await client.query(`DELETE FROM user_game_collection WHERE notes = 'alice-1-steam'`);
    const { rows } = await client.query(`SELECT user_id, collection_id, status FROM game_playthrough WHERE notes = 'alice-1-now'`);
    expect(rows).toEqual([{ user_id: 'alice', collection_id: null, status: 'PLAYING' }]);
  });

  it("down restores the seed's single-column key (which accepts cross-user links again)", async () => {
    await migrateTo(client, graph, PARENT);
    await link('bob-1-done', 'alice-1-ps5');
    expect((await links())['bob-1-done']).toBe('alice-1-ps5');
  });
});
