/**
 * deploy = backup → upgrade head → refresh_user_stats() → verify, stopping at the first failure with
 * a non-zero exit and the backup that restores the state before it. With pg_dump on PostgreSQL 15
 * (directly and through PgBouncer), and on the embedded server (copy of the stopped cluster).
 */
import { appendFileSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { writeHeadSchemaFile } from '../support/committed-schema.js';
import { runCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { revisionsDirWith } from '../support/revision-fixtures.js';
import { useTempFolders } from '../support/temp-folders.js';
import { loadProjectGraph } from '../support/template-databases.js';
import { createTestDatabase, useTestDatabases } from '../support/test-database.js';

const tempFolder = useTempFolders();

function restoreCommandIn(stderr: string): string {
  const match = /play-later-db restore (\S+)/.exec(stderr);
  if (!match) throw new Error(`no restore command in: ${stderr}`);
  return match[1]!;
}

describeOnEachServer(
  'deploy',
  (server) => {
    let schemaFile: string;
    let graph: RevisionGraph;
    const newDatabase = useTestDatabases(server);
    beforeAll(async () => {
      schemaFile = await writeHeadSchemaFile(tempFolder, server);
      graph = await loadProjectGraph();
    });

    /** A database at 003 with one user's game, and the environment that points the CLI at it. */
    async function databaseAt003() {
      const database = await newDatabase('empty');
      const env = {
        DATABASE_URL: database.url,
        DIRECT_DATABASE_URL: server.kind === 'pgbouncer' ? database.directUrl : undefined,
        PLAY_LATER_BACKUP_DIR: tempFolder('plt-deploy-backups-'),
      };
      const upgrade = await runCli(['upgrade', '003_add_functions_triggers'], { env });
      expect(upgrade.code, upgrade.stderr).toBe(0);
      const client = await database.connect();
      await client.query(`INSERT INTO games (id, title) VALUES ('00000000-0000-0000-0000-000000000001', 'Tunic')`);
      await client.query(`INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active)
        VALUES ('user-1', '00000000-0000-0000-0000-000000000001', 'PC', 'DIGITAL', now() - interval '1 second', true)`);
      const heads = async () => (await client.query('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num as string);
      return { database, env, client, heads };
    }

    it('backs up, upgrades to head, refreshes the stats and verifies', async () => {
      const { env, client, heads, database } = await databaseAt003();
      const result = await runCli(['deploy', '--schema-file', schemaFile], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Deployed: ${graph.order.length - 3} revisions applied; the database is at ${graph.heads[0]} (head).`);
      expect(result.stderr).toMatch(/1\/4 backup[\s\S]*2\/4 upgrade head[\s\S]*3\/4 SELECT refresh_user_stats\(\)[\s\S]*4\/4 verify/);
      expect(await heads()).toEqual(graph.heads);
      const backups = readdirSync(env.PLAY_LATER_BACKUP_DIR);
      expect(backups).toEqual([expect.stringMatching(new RegExp(`^${database.name}_\\d{8}T\\d{9}Z\\.dump$`))]);

      // A second deploy applies nothing but still refreshes the stats: user-2 appears in them.
      await client.query(`INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
        VALUES ('user-2', '00000000-0000-0000-0000-000000000001', 'PS5', 'PHYSICAL', now() - interval '1 second')`);
      const again = await runCli(['--json', 'deploy', '--schema-file', schemaFile], { env });
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, applied: [], after: graph.heads });
      const stats = await client.query('SELECT user_id FROM user_game_stats ORDER BY user_id');
      expect(stats.rows.map((r) => r.user_id)).toEqual(['user-1', 'user-2']);
    });

    it('stops at verify with a non-zero exit, naming the backup that restores the state before', async () => {
      const { env, heads, client, database } = await databaseAt003();
      const drifted = path.join(tempFolder('plt-drifted-'), 'schema.sql');
      copyFileSync(schemaFile, drifted);
      appendFileSync(drifted, '\nCREATE TABLE expected_but_missing (id integer);\n');
      const result = await runCli(['deploy', '--schema-file', drifted], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error E_VERIFY_FAILED: Deploy stopped at "verify"');
      expect(result.stderr).toContain('no drift from the committed schema');
      const backup = restoreCommandIn(result.stderr);
      expect(existsSync(backup)).toBe(true);
      expect(await heads()).toEqual(graph.heads);
      await client.end();

      const restore = await runCli(['restore', backup, '--yes'], { env });
      expect(restore.code, restore.stderr).toBe(0);
      const after = await (await database.connect()).query('SELECT version_num FROM alembic_version');
      expect(after.rows).toEqual([{ version_num: '003_add_functions_triggers' }]);
    });

    it('stops at upgrade when a revision fails, leaving the database at the revision before it', async () => {
      const { env, heads } = await databaseAt003();
      const fixtures = revisionsDirWith([{ id: '900_fails', parent: graph.heads[0]!, up: 'await sql`SELECT 1 / 0`.execute(db);', down: '' }]);
      onTestFinished(fixtures.cleanup);
      const revisions = fixtures.dir;
      const result = await runCli(['--revisions-dir', revisions, 'deploy', '--schema-file', schemaFile], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Deploy stopped at "upgrade head"');
      expect(result.stderr).toContain('division by zero');
      expect(existsSync(restoreCommandIn(result.stderr))).toBe(true);
      expect(await heads()).toEqual(graph.heads);
    });
  },
  { kinds: ['pg15', 'pgbouncer'] },
);

describe('deploy [embedded PostgreSQL 18 as an external server, pg_dump too old]', () => {
  it('stops at backup before touching the database', async () => {
    const database = await createTestDatabase({ from: 'empty' });
    try {
      const env = { DATABASE_URL: database.url, PLAY_LATER_BACKUP_DIR: tempFolder('plt-deploy-old-'), PLAY_LATER_PG_BIN_DIR: '/usr/lib/postgresql/15/bin' };
      const result = await runCli(['deploy'], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error E_BACKUP: Deploy stopped at "backup"');
      expect(result.stderr).toContain('Nothing was changed');
      const client = await database.connect();
      const tables = await client.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'alembic_version'`);
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await database.drop();
    }
  });
});

describe('deploy [embedded server: copy of the stopped cluster]', () => {
  it('backs up the stopped cluster, then upgrades and verifies', async () => {
    const dataDir = tempFolder('plt-deploy-embedded-');
    const env = { PLAY_LATER_DATA_DIR: dataDir, PLAY_LATER_BACKUP_DIR: path.join(dataDir, 'backups'), DATABASE_URL: undefined, DIRECT_DATABASE_URL: undefined };
    const upgrade = await runCli(['upgrade', '004'], { env });
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const result = await runCli(['deploy', '--schema-file', await writeHeadSchemaFile(tempFolder)], { env });
    expect(result.code, result.stderr).toBe(0);
    const graph = await loadProjectGraph();
    expect(result.stdout).toContain(`Deployed: ${graph.order.length - 4} revisions applied; the database is at ${graph.heads[0]} (head).`);
    expect(readdirSync(path.join(dataDir, 'backups'))).toEqual([expect.stringMatching(/^play-later-db_\d{8}T\d{9}Z\.embedded$/)]);
  });
});
