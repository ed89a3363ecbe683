/**
 * The corrections that run online (non-transactional revisions from 006 on) commit step by step, so
 * a crash or a lock timeout can stop them after any step, and the runner then runs the whole
 * revision again. Here, for every prefix of a revision's steps as it sends them (a BEGIN … COMMIT
 * group is one step), that prefix is applied by hand to a database at the revision's parent holding
 * seed-era rows, then the runner applies the revision: it must succeed and leave exactly the schema
 * and the rows of an uninterrupted run. The same for down, from the revision back to its parent.
 * On every configured server (the embedded PostgreSQL 18, and PostgreSQL 15 where
 * PLAY_LATER_TEST_PG15_URL is set; corrections-on-seed-era-data.test.ts fails CI without it).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineRevisionSql } from '../../src/runner/offline-sql.js';
import type { Revision } from '../../src/runner/revision.js';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { revisionRoleSql } from '../../src/security/roles.js';
import { migrateTo } from '../support/migrate.js';
import { SEED_COLLECTION, SEED_PLAYTHROUGHS, createSeedEraDatabase } from '../support/seed-era-data.js';
import { embeddedServer, externalServer, type TestServer } from '../support/servers.js';
import type { TestDatabase } from '../support/test-database.js';
import { SEED_REVISION, loadProjectGraph } from '../support/template-databases.js';

const graph: RevisionGraph = await loadProjectGraph();
const ONLINE = graph.order.slice(graph.order.findIndex((r) => r.id === SEED_REVISION) + 1).filter((r) => !r.transactional);
const pg15 = externalServer('pg15');
let client: pg.Client;

/** The statements of up or down, grouped as they commit: a BEGIN … COMMIT group, or one statement. */
async function stepsOf(revision: Revision, direction: 'up' | 'down'): Promise<string[][]> {
  const steps: string[][] = [];
  let group: string[] | null = null;
  for (const statement of await offlineRevisionSql(revision, direction)) {
    if (statement === 'BEGIN') group = [statement];
    else if (group) {
      group.push(statement);
      if (statement === 'COMMIT') {
        steps.push(group);
        group = null;
      }
    } else steps.push([statement]);
  }
  expect(group, `${revision.id} ${direction} leaves a transaction open`).toBeNull();
  return steps;
}

/** As the runner sends them: each transaction as the owner role once revision 013 made it (src/security/roles.ts). */
async function apply(steps: string[][]): Promise<void> {
  for (const statement of steps.flat()) {
    await client.query(statement);
    if (statement === 'BEGIN') await client.query(revisionRoleSql({}, 'LOCAL'));
  }
}

/** Every row of the tables the corrections change, in a stable order. */
async function rows(): Promise<unknown> {
  const { rows: [snapshot] } = await client.query<{ snapshot: unknown }>(
    `SELECT json_build_object(
       'games', (SELECT json_agg(to_jsonb(t) ORDER BY t.igdb_id) FROM games t),
       'collection', (SELECT json_agg(to_jsonb(t) ORDER BY t.notes) FROM user_game_collection t),
       'playthroughs', (SELECT json_agg(to_jsonb(t) ORDER BY t.notes) FROM game_playthrough t)) AS snapshot`,
  );
  return snapshot;
}

/**
 * Puts back, at the parent, the seed-era defects a revision fixes (its down keeps the fixed
 * values), so that each interrupted run has the same work to do; updated_at is left as it was.
 */
async function restoreSeedEraDefects(revision: string): Promise<void> {
  if (revision === '006_backfill_is_active_default') {
    const keys = SEED_COLLECTION.filter((row) => row.isActive === null).map((row) => row.key);
    await client.query('BEGIN; ALTER TABLE user_game_collection DISABLE TRIGGER update_collection_updated_at');
    await client.query(`UPDATE user_game_collection SET is_active = NULL WHERE notes = ANY($1)`, [keys]);
    await client.query('ALTER TABLE user_game_collection ENABLE TRIGGER update_collection_updated_at; COMMIT');
  }
  if (revision === '009_tenant_safe_playthrough') {
    await client.query('BEGIN; ALTER TABLE game_playthrough DISABLE TRIGGER update_playthrough_updated_at');
    for (const play of SEED_PLAYTHROUGHS.filter((p) => p.collection !== null)) {
      await client.query(`UPDATE game_playthrough SET collection_id = (SELECT id FROM user_game_collection WHERE notes = $2) WHERE notes = $1`, [
        play.key,
        play.collection,
      ]);
    }
    await client.query('ALTER TABLE game_playthrough ENABLE TRIGGER update_playthrough_updated_at; COMMIT');
  }
}

describe.each([{ server: () => embeddedServer() }, ...(pg15 ? [{ server: () => pg15 as TestServer }] : [])])('online corrections run again after stopping at any step', ({ server }) => {
  let database: TestDatabase;

  beforeAll(async () => {
    ({ database, client } = await createSeedEraDatabase(graph, SEED_REVISION, server()));
  });
  afterAll(async () => database?.drop());

  it('there are some (006, 008, 009, 010, 012, 014, 015, 016)', () => {
    expect(ONLINE.map((r) => r.id.slice(0, 3))).toEqual(['006', '008', '009', '010', '012', '014', '015', '016']);
  });

  for (const revision of ONLINE) {
    const parent = revision.parents[0]!;

    it(`${revision.id}: up after any prefix of its steps gives the uninterrupted result; so does down (${server().name})`, async () => {
      await migrateTo(client, graph, parent);
      const before = await describeSchema(client);
      const rowsBefore = await rows();
      await migrateTo(client, graph, revision.id);
      const after = await describeSchema(client);
      const rowsAfter = await rows();

      const up = await stepsOf(revision, 'up');
      expect(up.length).toBeGreaterThan(0);
      for (let done = 0; done <= up.length; done += 1) {
        await migrateTo(client, graph, parent);
        await restoreSeedEraDefects(revision.id);
        expect(await rows()).toEqual(rowsBefore);
        await apply(up.slice(0, done));
        await migrateTo(client, graph, revision.id);
        expect(await describeSchema(client), `${revision.id} up, run again after ${done} of ${up.length} steps`).toBe(after);
        expect(await rows(), `${revision.id} up, rows after ${done} of ${up.length} steps`).toEqual(rowsAfter);
      }

      const down = await stepsOf(revision, 'down');
      for (let done = 0; done <= down.length; done += 1) {
        await apply(down.slice(0, done));
        await migrateTo(client, graph, parent);
        expect(await describeSchema(client), `${revision.id} down, run again after ${done} of ${down.length} steps`).toBe(before);
        await migrateTo(client, graph, revision.id);
      }
    });
  }
});
