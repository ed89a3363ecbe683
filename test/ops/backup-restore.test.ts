/**
 * backup → more changes → restore gives back exactly the rows of the backup, including a row whose
 * acquired_at was a second in the past when written (ck_acquired_not_future is checked again on
 * restore). On the embedded server (copy of the stopped cluster) and with pg_dump/pg_restore on
 * PostgreSQL 15, directly and with DATABASE_URL through PgBouncer (backups use DIRECT_DATABASE_URL).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { EMBEDDED_DATABASE, startEmbeddedServer } from '../../src/db/embedded-server.js';
import { expectCliError } from '../support/expect-cli.js';
import { runCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { useTempFolders } from '../support/temp-folders.js';
import { loadProjectGraph } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const tempFolder = useTempFolders();

/** The first state: two games, one collection row acquired a second ago, one playthrough. */
async function writeFirstRows(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO games (id, title, igdb_id) VALUES
    ('00000000-0000-0000-0000-000000000001', 'Outer Wilds', 11737),
    ('00000000-0000-0000-0000-000000000002', 'Hades', 113112)`);
  await client.query(`INSERT INTO user_game_collection (id, user_id, game_id, platform, acquisition_type, acquired_at, is_active)
    VALUES ('00000000-0000-0000-0000-0000000000c1', 'user-1', '00000000-0000-0000-0000-000000000001', 'PC', 'DIGITAL', now() - interval '1 second', true)`);
  await client.query(`INSERT INTO game_playthrough (id, user_id, game_id, collection_id, status, platform)
    VALUES ('00000000-0000-0000-0000-0000000000a1', 'user-1', '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', 'PLAYING', 'PC')`);
}

async function moreChanges(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO games (title) VALUES ('Celeste')`);
  await client.query(`UPDATE games SET title = 'Hades II' WHERE igdb_id = 113112`);
  await client.query(`DELETE FROM game_playthrough`);
  await client.query(`CREATE TABLE written_after_backup (id int)`);
}

async function snapshot(client: pg.Client): Promise<unknown> {
  const rows = async (sql: string) => (await client.query(sql)).rows;
  return {
    games: await rows('SELECT id, title, igdb_id FROM games ORDER BY id'),
    collection: await rows('SELECT id, user_id, game_id, platform, acquired_at FROM user_game_collection ORDER BY id'),
    playthroughs: await rows('SELECT id, user_id, status FROM game_playthrough ORDER BY id'),
    extraTables: await rows(`SELECT relname FROM pg_class WHERE relname = 'written_after_backup'`),
  };
}

function backupPath(stdout: string): string {
  const match = /^Backup of "[^"]+": (.+)$/m.exec(stdout);
  if (!match) throw new Error(`no backup path in: ${stdout}`);
  return match[1]!;
}

describe('backup and restore [embedded PostgreSQL 18: copy of the stopped cluster]', () => {
  let dataDir: string;
  let backupDir: string;
  const env = (): NodeJS.ProcessEnv => ({ PLAY_LATER_DATA_DIR: dataDir, PLAY_LATER_BACKUP_DIR: backupDir, DATABASE_URL: undefined, DIRECT_DATABASE_URL: undefined });

  async function withEmbedded<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const server = await startEmbeddedServer({ dataDir, database: EMBEDDED_DATABASE, durable: false });
    const client = await connect(server.urlFor(EMBEDDED_DATABASE));
    try {
      return await work(client);
    } finally {
      await disconnect(client);
      await server.stop();
    }
  }

  beforeAll(async () => {
    dataDir = tempFolder('plt-embedded-backup-');
    backupDir = path.join(dataDir, 'backups');
    const setup = await runCli(['setup'], { env: env() });
    expect(setup.code, setup.stderr).toBe(0);
  });

  it('restores exactly the rows of the backup', async () => {
    await withEmbedded(writeFirstRows);
    const first = await withEmbedded(snapshot);
    const backup = await runCli(['backup'], { env: env() });
    expect(backup.code, backup.stderr).toBe(0);
    const file = backupPath(backup.stdout);
    expect(path.basename(file)).toMatch(/^play-later-db_\d{8}T\d{9}Z\.embedded$/);
    expect(existsSync(path.join(file, 'pg18', 'postmaster.pid'))).toBe(false);

    await withEmbedded(moreChanges);
    expect(await withEmbedded(snapshot)).not.toEqual(first);

    const restore = await runCli(['restore', file], { env: env() });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await withEmbedded(snapshot)).toEqual(first);
    const verify = await withEmbedded(async (client) => (await client.query(`SELECT count(*)::int AS n FROM user_game_collection WHERE user_id = 'user-1' AND acquired_at < now()`)).rows[0].n);
    expect(verify).toBe(1);
  });

  it('keeps backupKeep backups, removing the oldest', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const backup = await runCli(['backup'], { env: { ...env(), PLAY_LATER_BACKUP_KEEP: '2' } });
      expect(backup.code, backup.stderr).toBe(0);
      made.push(backupPath(backup.stdout));
    }
    const kept = readdirSync(backupDir).map((name) => path.join(backupDir, name)).sort();
    expect(kept).toEqual(made.slice(1));
  });

  it('refuses a restore of something that is not a backup, and an embedded backup while DATABASE_URL is set', async () => {
    const missing = await runCli(['restore', path.join(backupDir, 'nope.dump')], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('E_RESTORE');
    const [someBackup] = readdirSync(backupDir);
    const wrongTarget = await runCli(['restore', path.join(backupDir, someBackup!)], { env: { ...env(), DATABASE_URL: 'postgresql://u:p@127.0.0.1:1/x' } });
    expect(wrongTarget.code).toBe(1);
    expect(wrongTarget.stderr).toContain('restores only the embedded database');
  });
});

describeOnEachServer(
  'backup and restore with pg_dump/pg_restore',
  (server) => {
    let database: TestDatabase;
    let client: pg.Client;
    let backupDir: string;
    const env = (): NodeJS.ProcessEnv => ({ DATABASE_URL: database.url, DIRECT_DATABASE_URL: server.kind === 'pgbouncer' ? database.directUrl : undefined, PLAY_LATER_BACKUP_DIR: backupDir });

    beforeAll(async () => {
      database = await createTestDatabase({ from: 'head', server });
      backupDir = tempFolder('plt-dump-backup-');
    });
    afterAll(async () => database?.drop());

    it('restores exactly the rows of the backup, into a recreated database', async () => {
      client = await database.connect();
      await writeFirstRows(client);
      const first = await snapshot(client);
      const backup = await runCli(['backup'], { env: env() });
      expect(backup.code, backup.stderr).toBe(0);
      const file = backupPath(backup.stdout);
      expect(path.basename(file)).toMatch(new RegExp(`^${database.name}_\\d{8}T\\d{9}Z\\.dump$`));
      expect(backup.stdout).toMatch(/pg_dump 1[5-9]/);

      await moreChanges(client);
      const changed = await snapshot(client);
      // Off a terminal, replacing a database that holds rows needs --yes; without it nothing changes.
      const refused = await runCli(['restore', file], { env: env() });
      expectCliError(refused, 'E_CONFIRMATION_REQUIRED', 2);
      expect(refused.stderr).toMatch(/restore replaces the whole database, whose tables hold rows \(public\.game_playthrough|public\.games/);
      expect(await snapshot(client)).toEqual(changed);
      await disconnect(client);

      const restore = await runCli(['restore', file, '--yes'], { env: env() });
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.stdout).toContain('into a new database');
      client = await database.connect();
      expect(await snapshot(client)).toEqual(first);
      const heads = await client.query('SELECT version_num FROM alembic_version');
      expect(heads.rows.map((r) => r.version_num)).toEqual((await loadProjectGraph()).heads);
    });
  },
  { kinds: ['pg15', 'pgbouncer'] },
);

describe('backup of a server newer than pg_dump', () => {
  it('says which pg_dump was found and which version the server needs, before dumping anything', async () => {
    const database = await createTestDatabase({ from: 'head' });
    const backupDir = tempFolder('plt-too-new-');
    try {
      const result = await runCli(['backup'], { env: { DATABASE_URL: database.url, PLAY_LATER_BACKUP_DIR: backupDir, PLAY_LATER_PG_BIN_DIR: '/usr/lib/postgresql/15/bin' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('E_BACKUP');
      expect(result.stderr).toContain("pg_dump must be of the server's major version (18) or newer: /usr/lib/postgresql/15/bin/pg_dump is 15.");
      expect(result.stderr).toContain('postgresql-client-18');
      expect(readdirSync(backupDir)).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
