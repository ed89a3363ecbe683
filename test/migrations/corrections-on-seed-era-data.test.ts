/**
 * Every correction (006 onward) on a database that holds seed-era rows, on PostgreSQL 18 and 15:
 * up, then down restores the schema before it exactly and keeps every row, then up again gives
 * the same schema.
 */
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { migrateTo } from '../support/migrate.js';
import { createSeedEraDatabase } from '../support/seed-era-data.js';
import { describeOnEachServer } from '../support/servers.js';
import type { TestDatabase } from '../support/test-database.js';
import { SEED_REVISION, loadProjectGraph } from '../support/template-databases.js';

async function rowCounts(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ counts: Record<string, number> }>(
    `SELECT json_build_object(
       'games', (SELECT count(*) FROM games),
       'user_game_collection', (SELECT count(*) FROM user_game_collection),
       'game_playthrough', (SELECT count(*) FROM game_playthrough),
       'user_sessions', (SELECT count(*) FROM user_sessions)) AS counts`,
  );
  return rows[0]!.counts;
}

describeOnEachServer(
  'corrections on seed-era data',
  (server) => {
    let graph: RevisionGraph;
    let database: TestDatabase;
    let client: pg.Client;

    beforeAll(async () => {
      graph = await loadProjectGraph();
      ({ database, client } = await createSeedEraDatabase(graph, SEED_REVISION, server));
    });
    afterAll(async () => database?.drop());

    it('each one goes up, down to exactly the schema before it with every row kept, and up again', async () => {
      const corrections = graph.order.slice(graph.order.findIndex((r) => r.id === SEED_REVISION) + 1);
      expect(corrections.length).toBeGreaterThan(0);
      const counts = await rowCounts(client);
      for (const revision of corrections) {
        const parent = revision.parents[0]!;
        const before = await describeSchema(client);
        await migrateTo(client, graph, revision.id);
        const after = await describeSchema(client);
        expect(after, `${revision.id} changes the schema`).not.toEqual(before);
        expect(await rowCounts(client), `${revision.id} up keeps every row`).toEqual(counts);
        await migrateTo(client, graph, parent);
        expect(await describeSchema(client), `down of ${revision.id} restores the schema`).toEqual(before);
        expect(await rowCounts(client), `${revision.id} down keeps every row`).toEqual(counts);
        await migrateTo(client, graph, revision.id);
        expect(await describeSchema(client), `up/down/up of ${revision.id} is stable`).toEqual(after);
      }
    });
  },
  { kinds: ['embedded', 'pg15'] },
);
