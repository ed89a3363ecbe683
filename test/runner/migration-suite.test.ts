/**
 * The migration suite pytest-alembic made standard, on a real PostgreSQL: one head, every step up
 * and down, each down restores exactly the schema before it, up/down/up is stable. On every test
 * server: embedded PostgreSQL 18, PostgreSQL 15, and through PgBouncer in transaction mode.
 */
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Migrator, type RevisionGraph } from '../../src/runner/migrator.js';
import { readHeads } from '../../src/runner/version-table.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { describeOnEachServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

describeOnEachServer('migration suite', (server) => {
  let graph: RevisionGraph;
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    graph = await loadProjectGraph();
    database = await createTestDatabase({ from: 'empty', server });
    client = await database.connect();
  });
  afterAll(async () => database?.drop());

  async function move(direction: 'up' | 'down', reference: string): Promise<void> {
    const migrator = new Migrator({ graph, client, directUrl: database.url });
    await (direction === 'up' ? migrator.upgrade(reference) : migrator.downgrade(reference));
  }

  it('has a single head and a single base', () => {
    expect(graph.heads).toHaveLength(1);
    expect(graph.bases).toEqual(['001_initial_schema']);
  });

  it('goes base -> head one step at a time, each down restoring the schema before it', async () => {
    for (const revision of graph.order) {
      const before = await describeSchema(client);
      await move('up', '+1');
      expect(await readHeads(client)).toEqual([revision.id]);
      const after = await describeSchema(client);
      expect(after, `${revision.id} changes the schema`).not.toEqual(before);
      await move('down', '-1');
      expect(await describeSchema(client), `down of ${revision.id} restores the schema`).toEqual(before);
      await move('up', '+1');
      expect(await describeSchema(client), `up/down/up of ${revision.id} is stable`).toEqual(after);
    }
    expect(await readHeads(client)).toEqual(graph.heads);
  });

  it('head -> base leaves nothing but the bookkeeping tables', async () => {
    await move('down', 'base');
    expect(await readHeads(client)).toEqual([]);
    const leftovers = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r','v','m','i','S','p')
        UNION ALL SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
        ORDER BY 1`,
    );
    expect(leftovers.rows.map((r) => r.name)).toEqual([
      'alembic_version',
      'alembic_version_pkc',
      'play_later_background_migrations',
      'play_later_background_migrations_pkey',
      'play_later_revision_history',
      'play_later_revision_history_id_seq',
      'play_later_revision_history_pkey',
    ]);
    expect(await describeSchema(client)).toBe('\n');
  });
});
