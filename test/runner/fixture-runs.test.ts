/**
 * The runner through the real CLI, on fixture revision folders and databases of the test's own:
 * branches and merges, depends_on, the version table, failing revisions, --single-transaction, stamp.
 */
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { readHeads } from '../../src/runner/version-table.js';
import { BOOKKEEPING_TABLES } from '../../src/schema/describe-schema.js';
import { expectCliError, jsonResult } from '../support/expect-cli.js';
import { fixtureDir } from '../support/revision-folders.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { embeddedServer } from '../support/servers.js';
import { useTestDatabases, type TestDatabase } from '../support/test-database.js';

interface Fixture {
  database: TestDatabase;
  client: pg.Client;
  cli(...args: string[]): Promise<CliResult>;
  /** The tables the revisions made (bookkeeping tables left out). */
  tables(): Promise<string[]>;
}

const testDatabase = useTestDatabases(embeddedServer);

/** An empty database of its own and a CLI bound to it and to one fixture folder. */
async function fixture(folder: string): Promise<Fixture> {
  const database = await testDatabase('empty');
  const client = await database.connect();
  return {
    database,
    client,
    cli: (...args) => runCli(['--json', '--database-url', database.url, '--revisions-dir', fixtureDir(folder), ...args]),
    tables: async () =>
      (
        await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND NOT tablename = ANY($1) ORDER BY 1`, [
          BOOKKEEPING_TABLES,
        ])
      ).rows.map((r) => r.name),
  };
}

describe('branches and a merge (revisions-branch-merge)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture('revisions-branch-merge');
  });

  it('refuses `upgrade head` while the graph has two heads', async () => {
    expectCliError(await f.cli('upgrade', 'head'), 'E_MULTIPLE_HEADS', 2);
    expect(await f.tables()).toEqual([]);
  });

  it('one branch, then the other: the version table holds one row per head', async () => {
    jsonResult(await f.cli('upgrade', '002_left'));
    expect(await readHeads(f.client)).toEqual(['002_left']);
    const result = jsonResult<{ steps: Array<{ revision: string }>; after: string[] }>(await f.cli('upgrade', '003_r'));
    expect(result.steps.map((s) => s.revision)).toEqual(['003_right']);
    expect(result.after).toEqual(['002_left', '003_right']);
    expect(await readHeads(f.client)).toEqual(['002_left', '003_right']);
  });

  it('upgrade heads runs the merge once both parents are in, and ends at both heads', async () => {
    const result = jsonResult<{ steps: Array<{ revision: string; direction: string }> }>(await f.cli('upgrade', 'heads'));
    expect(result.steps.map((s) => s.revision)).toEqual(['004_merge', '005_feature_a', '006_feature_b']);
    expect(await readHeads(f.client)).toEqual(['005_feature_a', '006_feature_b']);
    expect(await f.tables()).toEqual(['bm_base', 'bm_feature_a', 'bm_feature_b', 'bm_left', 'bm_merge', 'bm_right']);
    const current = jsonResult<{ heads: string[]; atHead: boolean }>(await f.cli('current'));
    expect(current).toMatchObject({ heads: ['005_feature_a', '006_feature_b'], atHead: true });
  });

  it('keeps the version table exactly as Alembic defines it', async () => {
    const columns = await f.client.query(
      `SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns WHERE table_name = 'alembic_version'`,
    );
    expect(columns.rows).toEqual([{ column_name: 'version_num', data_type: 'character varying', character_maximum_length: 32, is_nullable: 'NO' }]);
    const key = await f.client.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'alembic_version'::regclass AND contype = 'p'`);
    expect(key.rows).toEqual([{ conname: 'alembic_version_pkc', def: 'PRIMARY KEY (version_num)' }]);
  });

  it('downgrading below the merge reverts the merge and its children, leaving two heads', async () => {
    const result = jsonResult<{ steps: Array<{ revision: string; direction: string }> }>(await f.cli('downgrade', '003_right'));
    expect(new Set(result.steps.map((s) => s.revision))).toEqual(new Set(['004_merge', '005_feature_a', '006_feature_b']));
    expect(result.steps.at(-1)?.revision).toBe('004_merge');
    expect(result.steps.every((s) => s.direction === 'down')).toBe(true);
    expect(await readHeads(f.client)).toEqual(['002_left', '003_right']);
    expect(await f.tables()).toEqual(['bm_base', 'bm_left', 'bm_right']);
  });

  it('downgrade -1 then base', async () => {
    jsonResult(await f.cli('downgrade', '-1'));
    expect(await readHeads(f.client)).toEqual(['002_left']);
    jsonResult(await f.cli('downgrade', 'base'));
    expect(await readHeads(f.client)).toEqual([]);
    expect(await f.tables()).toEqual([]);
    expectCliError(await f.cli('downgrade', '-1'), 'E_DOWNGRADE_AT_BASE', 2);
  });
});

describe('depends_on (revisions-depends-on)', () => {
  it('upgrading to a revision applies its dependency; downgrading the dependency reverts its dependents only', async () => {
    const f = await fixture('revisions-depends-on');
    const up = jsonResult<{ steps: Array<{ revision: string }> }>(await f.cli('upgrade', '011'));
    expect(up.steps.map((s) => s.revision)).toEqual(['001_core', '002_feature', '010_other_base', '011_uses_feature']);
    expect(await readHeads(f.client)).toEqual(['002_feature', '011_uses_feature']);
    const down = jsonResult<{ steps: Array<{ revision: string }> }>(await f.cli('downgrade', '001_core'));
    expect(down.steps.map((s) => s.revision)).toEqual(['011_uses_feature', '002_feature']);
    expect(await readHeads(f.client)).toEqual(['001_core', '010_other_base']);
    expect(await f.tables()).toEqual(['do_core', 'do_other']);
  });
});

describe('a failing revision (revisions-failing)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture('revisions-failing');
  });

  it('rolls back only itself: the database stays at the revision before, the CLI names the revision and the SQL error', async () => {
    const result = await f.cli('upgrade', 'heads');
    expectCliError(result, 'E_REVISION_FAILED', 1);
    expect(result.stderr).toContain('Revision 002_breaks failed (upgrade)');
    expect(result.stderr).toContain('relation "fail_no_such_table" does not exist');
    expect(JSON.parse(result.stdout).error).toMatchObject({ revision: '002_breaks', direction: 'up', sqlState: '42P01' });
    expect(await readHeads(f.client)).toEqual(['001_ok']);
    // 002 created fail_partial before it failed: nothing of it stays.
    expect(await f.tables()).toEqual(['fail_ok']);
  });

  it('with --single-transaction, all or nothing: nothing at all stays', async () => {
    jsonResult(await f.cli('downgrade', 'base'));
    await f.client.query('DROP TABLE alembic_version');
    const result = await f.cli('upgrade', 'heads', '--single-transaction');
    expectCliError(result, 'E_REVISION_FAILED', 1);
    expect(result.stderr).toContain('002_breaks');
    expect(await readHeads(f.client)).toEqual([]);
    expect(await f.tables()).toEqual([]);
  });
});

describe('--single-transaction that succeeds (revisions-linear)', () => {
  it('applies every revision and records the head', async () => {
    const f = await fixture('revisions-linear');
    const result = jsonResult<{ steps: unknown[] }>(await f.cli('upgrade', 'head', '--single-transaction'));
    expect(result.steps).toHaveLength(3);
    expect(await readHeads(f.client)).toEqual(['003_third']);
    expect(await f.tables()).toEqual(['linear_first', 'linear_second', 'linear_third']);
  });
});

describe('stamp', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture('revisions-branch-merge');
  });

  it('records head(s), an id, a prefix, two branch heads and base without running any revision', async () => {
    expectCliError(await f.cli('stamp', 'head'), 'E_MULTIPLE_HEADS', 2);
    expect(jsonResult(await f.cli('stamp', 'heads'))).toMatchObject({ before: [], after: ['005_feature_a', '006_feature_b'] });
    expect(jsonResult(await f.cli('stamp', '004_merge'))).toMatchObject({ before: ['005_feature_a', '006_feature_b'], after: ['004_merge'] });
    expect(jsonResult(await f.cli('stamp', '002,003'))).toMatchObject({ after: ['002_left', '003_right'] });
    expect(await readHeads(f.client)).toEqual(['002_left', '003_right']);
    expect(jsonResult(await f.cli('stamp', 'base'))).toMatchObject({ after: [] });
    expect(await readHeads(f.client)).toEqual([]);
    expect(await f.tables()).toEqual([]);
  });

  it('refuses an unknown id and a stamp that names an ancestor of another', async () => {
    expectCliError(await f.cli('stamp', '042_nothing'), 'E_REVISION_UNKNOWN', 2);
    expectCliError(await f.cli('stamp', '001_base,004_merge'), 'E_REVISION_RANGE', 2);
  });

  it('a stamped database upgrades from the stamped revision only', async () => {
    const linear = await fixture('revisions-linear');
    jsonResult(await linear.cli('stamp', '002_second'));
    const result = jsonResult<{ steps: Array<{ revision: string }> }>(await linear.cli('upgrade', 'head'));
    expect(result.steps.map((s) => s.revision)).toEqual(['003_third']);
    expect(await linear.tables()).toEqual(['linear_third']);
  });
});

describe('a database the seed-style Alembic migrated', () => {
  it('is recognized from the alembic_version table Alembic creates', async () => {
    const f = await fixture('revisions-linear');
    await f.client.query(`CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))`);
    await f.client.query(`INSERT INTO alembic_version (version_num) VALUES ('002_second')`);
    expect(jsonResult(await f.cli('current'))).toMatchObject({ heads: ['002_second'], pending: ['003_third'] });
    expect(jsonResult<{ steps: Array<{ revision: string }> }>(await f.cli('upgrade', 'head')).steps.map((s) => s.revision)).toEqual(['003_third']);
  });
});
