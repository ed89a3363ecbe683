import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disconnect } from '../../src/db/connect.js';
import { CITUS_DISTRIBUTION_FILE, checkCitusReadiness, renderCitusDistributionSql } from '../../src/schema/citus-distribution.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PROJECT_ROOT, SEED_REVISION, loadProjectGraph, migrateDatabase } from '../support/template-databases.js';

/** The rules Citus applies when the plan's tables are distributed, checked against the catalog. */
describe('Citus readiness (sharding by user)', () => {
  const made: TestDatabase[] = [];
  afterAll(async () => Promise.all(made.map((database) => database.drop())));
  const database = async (from: 'head' | typeof SEED_REVISION = 'head'): Promise<TestDatabase> => {
    const created = await createTestDatabase({ from });
    made.push(created);
    return created;
  };
  const violationsOf = async (target: TestDatabase) => {
    const client = await target.connect();
    try {
      return await checkCitusReadiness(client);
    } finally {
      await disconnect(client);
    }
  };

  let head: TestDatabase;
  beforeAll(async () => {
    head = await database();
  });

  it('the schema at head breaks none of them', async () => {
    expect(await violationsOf(head)).toEqual([]);
  });

  it('the schema before 014_shard_ready_keys breaks them: keys by id alone, SET NULL on a key with user_id', async () => {
    const before = await database(SEED_REVISION);
    await migrateDatabase(before.directUrl, await loadProjectGraph(), '012_index_collection_by_game');
    const found = (await violationsOf(before)).map(({ rule, table, object }) => ({ rule, table, object }));
    expect(found).toEqual([
      { rule: 'unique-contains-distribution-column', table: 'game_playthrough', object: 'game_playthrough_pkey' },
      { rule: 'unique-contains-distribution-column', table: 'user_game_collection', object: 'user_game_collection_pkey' },
      { rule: 'foreign-key-actions', table: 'game_playthrough', object: 'fk_playthrough_collection_same_owner' },
    ]);
  });

  it('fails on a unique index without user_id, a reference table pointing at a distributed one, a key that pairs the wrong columns, an unplanned table', async () => {
    const broken = await database();
    const client = await broken.connect();
    await client.query(`CREATE UNIQUE INDEX idx_playthrough_id_only ON game_playthrough (id)`);
    await client.query(`ALTER TABLE games ADD COLUMN top_fan VARCHAR(255) REFERENCES user_game_stats (user_id)`);
    await client.query(`ALTER TABLE user_game_collection ADD CONSTRAINT uq_collection_notes_user UNIQUE (notes, user_id)`);
    await client.query(`ALTER TABLE game_playthrough ADD COLUMN note_twin TEXT,
      ADD CONSTRAINT fk_playthrough_crossed FOREIGN KEY (note_twin, user_id) REFERENCES user_game_collection (user_id, notes)`);
    await client.query(`CREATE TABLE achievements (id uuid PRIMARY KEY)`);
    const found = (await violationsOf(broken)).map(({ rule, object }) => `${rule}: ${object}`);
    expect(found).toEqual([
      'table-in-plan: achievements',
      'unique-contains-distribution-column: idx_playthrough_id_only',
      'foreign-key-on-distribution-column: fk_playthrough_crossed',
      'no-reference-to-distributed: games_top_fan_fkey',
    ]);
  });

  it(`${CITUS_DISTRIBUTION_FILE} is fresh (else run npm run citus:generate) and distributes every planned table`, () => {
    const generated = renderCitusDistributionSql();
    expect(readFileSync(path.join(PROJECT_ROOT, CITUS_DISTRIBUTION_FILE), 'utf8')).toBe(generated);
    expect(generated).toContain(`SELECT create_reference_table('public.games');`);
    expect(generated).toContain(`SELECT create_distributed_table('public.game_playthrough', 'user_id', colocate_with => 'user_game_collection');`);
  });
});
