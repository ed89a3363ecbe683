/**
 * Interrupted commands leave nothing behind: Ctrl-C (SIGINT) or SIGTERM during `lint` removes the
 * throw-away server's temporary folder; an interrupted `backup` leaves no pg_dump running and no
 * partial file, and after kill -9 pg_dump stops by itself and the next backup removes the stale
 * partial. Backups and their folder are readable by the owner only.
 */
import { chmodSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, processesUsing } from '../support/processes.js';
import { runCli, startCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { useTempFolders } from '../support/temp-folders.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const tempFolder = useTempFolders();


describe.each(['SIGINT', 'SIGTERM'] as const)('lint interrupted by %s', (signal) => {
  it('stops the throw-away server and removes its temporary folder', async () => {
    const tmp = tempFolder('plt-lint-tmp-');
    chmodSync(tmp, 0o755); // as root the server runs as the postgres user, which must enter it
    const lint = startCli(['lint'], { env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    const serverFolder = await waitFor('the lint server to run', async () => {
      const folder = readdirSync(tmp).find((name) => name.startsWith('play-later-scratch-'));
      return folder && processesUsing(path.join(tmp, folder)).length > 0 ? path.join(tmp, folder) : undefined;
    }, 60_000);
    lint.child.kill(signal);
    const result = await lint.result;
    expect(result.code, result.stderr).not.toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    // With their command lines, to tell which one outlived the CLI (initdb did, once).
    const left = processesUsing(serverFolder).map((pid) => `${pid}: ${commandLine(pid) ?? '(ended)'}`);
    expect(left).toEqual([]);
  }, 180_000);
});

describeOnEachServer(
  'backup interrupted',
  (server) => {
    let database: TestDatabase;
    let blocker: pg.Client;
    beforeAll(async () => {
      database = await createTestDatabase({ from: 'head', server });
    });
    afterAll(async () => database?.drop());

    const dumpSessions = async (): Promise<number> => {
      const client = await database.connect();
      try {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg_dump' AND datname = $1`, [database.name]);
        return rows[0].n;
      } finally {
        await client.end();
      }
    };

    /** A backup that hangs in pg_dump: another session holds an exclusive lock on games. */
    async function blockedBackup(backupDir: string) {
      blocker = await database.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE games IN ACCESS EXCLUSIVE MODE');
      const backup = startCli(['backup'], { env: { DATABASE_URL: database.url, PLAY_LATER_BACKUP_DIR: backupDir } });
      // Not on the blocker's session: inside a transaction, pg_stat_activity is a snapshot.
      await waitFor('pg_dump to wait for its lock', async () => (await dumpSessions()) > 0, 90_000);
      expect(processesUsing(backupDir).length).toBeGreaterThan(0); // pg_dump --file=<backupDir>/…
      expect(readdirSync(backupDir)).toEqual([expect.stringMatching(/\.dump\.\d+\.partial$/)]);
      return backup;
    }
    async function release(): Promise<void> {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    it.each(['SIGINT', 'SIGTERM'] as const)('%s: no pg_dump left running, no partial file left', async (signal) => {
      const backupDir = tempFolder('plt-backup-int-');
      const backup = await blockedBackup(backupDir);
      try {
        backup.child.kill(signal);
        const result = await backup.result;
        expect(result.code).not.toBe(0);
        await waitFor('pg_dump to end', async () => processesUsing(backupDir).length === 0, 10_000);
        expect(readdirSync(backupDir)).toEqual([]);
        await waitFor('its session to end', async () => (await dumpSessions()) === 0, 10_000);
      } finally {
        await release();
      }
    }, 180_000);

    it('kill -9: pg_dump does not outlive the CLI, and the next backup removes the stale partial', async () => {
      const backupDir = tempFolder('plt-backup-kill-');
      const backup = await blockedBackup(backupDir);
      try {
        backup.child.kill('SIGKILL');
        expect((await backup.result).signal).toBe('SIGKILL');
        await waitFor('pg_dump to stop without its parent', async () => processesUsing(backupDir).length === 0, 10_000);
        expect(readdirSync(backupDir)).toEqual([expect.stringMatching(/\.partial$/)]);
      } finally {
        await release();
      }
      const next = await runCli(['backup'], { env: { DATABASE_URL: database.url, PLAY_LATER_BACKUP_DIR: backupDir } });
      expect(next.code, next.stderr).toBe(0);
      const files = readdirSync(backupDir);
      expect(files).toEqual([expect.stringMatching(new RegExp(`^${database.name}_\\d{8}T\\d{9}Z\\.dump$`))]);
      // Owner only: the folder 0700, the backup 0600.
      expect(statSync(backupDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(backupDir, files[0]!)).mode & 0o777).toBe(0o600);
    }, 180_000);
  },
  { kinds: ['pg15'] },
);
