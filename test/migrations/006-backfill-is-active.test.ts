import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { SEED_COLLECTION, createSeedEraDatabase } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { SEED_REVISION, loadProjectGraph } from '../support/template-databases.js';

const REVISION = '006_backfill_is_active_default';
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph));
});
afterAll(async () => database?.drop());

const isActiveByKey = async (): Promise<Record<string, boolean | null>> =>
  Object.fromEntries((await client.query<{ notes: string; is_active: boolean | null }>(`SELECT notes, is_active FROM user_game_collection`)).rows.map((r) => [r.notes, r.is_active]));
const updatedAt = async (): Promise<string[]> =>
  (await client.query<{ at: string }>(`SELECT updated_at::text AS at FROM user_game_collection ORDER BY notes`)).rows.map((r) => r.at);
const insertWithoutIsActive = async (platform: string): Promise<boolean | null> =>
  (
    await client.query<{ is_active: boolean | null }>(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
       SELECT 'zoe', id, $1, 'DIGITAL', now() FROM games WHERE igdb_id = 1 RETURNING is_active`,
      [platform],
    )
  ).rows[0]!.is_active;

describe(REVISION, () => {
  it('backfills NULL to true, reports how many, keeps updated_at, and makes rows written with plain SQL active', async () => {
    const nullRows = SEED_COLLECTION.filter((row) => row.isActive === null);
    expect(nullRows.length).toBeGreaterThan(0);
    const { rows: hiddenBefore } = await client.query(`SELECT 1 FROM active_collection`);
    const stampsBefore = await updatedAt();

    const logged = await migrateTo(client, graph, REVISION);

    expect(logged).toContain(`006: ${nullRows.length} collection row(s) with is_active NULL set to true`);
    expect(await isActiveByKey()).toEqual(Object.fromEntries(SEED_COLLECTION.map((row) => [row.key, row.isActive ?? true])));
    expect(await updatedAt()).toEqual(stampsBefore);
    const { rows: visible } = await client.query(`SELECT 1 FROM active_collection`);
    expect(visible.length).toBe(hiddenBefore.length + nullRows.length);
    expect(await insertWithoutIsActive('PC')).toBe(true);
    await expect(client.query(`UPDATE user_game_collection SET is_active = NULL WHERE user_id = 'zoe'`)).rejects.toMatchObject({
      code: '23502',
      column: 'is_active',
    });
  });

  it('down restores the nullable column without a default and keeps the values', async () => {
    await migrateTo(client, graph, SEED_REVISION);
    expect(await insertWithoutIsActive('Mac')).toBeNull();
    expect((await isActiveByKey())['alice-1-ps5']).toBe(true);
  });
});
