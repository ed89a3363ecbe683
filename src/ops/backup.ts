import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Config } from '../config/resolve-config.js';
import { connect, disconnect } from '../db/connect.js';
import { describeHosts, parseDatabaseUrl } from '../db/database-url.js';
import { EMBEDDED_DATABASE, withStoppedCluster } from '../db/embedded-server.js';
import { PlayLaterError } from '../errors.js';
import { onExit } from '../exit-cleanup.js';
import { backupFileName, partialName, prepareBackupDir, pruneBackups } from './backup-files.js';
import { findPgTool } from './pg-tools.js';
import { runTool, toolConnection } from './run-tool.js';

export interface BackupResult {
  kind: 'dump' | 'embedded';
  database: string;
  /** The backup: a file (pg_dump -Fc) or a folder (copy of the embedded cluster). */
  path: string;
  /** What made it, e.g. "pg_dump 15.18" or "copy of the stopped cluster". */
  method: string;
  /** Older backups removed to keep backupKeep. */
  removed: string[];
}

export interface BackupSettings {
  backupDir: string;
  backupKeep: number;
  pgBinDir: string | undefined;
}

/** The server's major version (e.g. 15), from a connection to it. */
export async function serverMajorVersion(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Math.floor(Number(rows[0]!.v) / 10_000);
}

/**
 * pg_dump in custom format, written under a temporary name (created 0600, owner only) and renamed
 * when complete, so a half-written archive never looks like a backup. An interrupted dump removes
 * its partial file and stops pg_dump (see run-tool.ts for kill -9). The password goes through
 * PGPASSWORD.
 */
export async function backupExternal(url: string, serverMajor: number, settings: BackupSettings): Promise<BackupResult> {
  const target = parseDatabaseUrl(url);
  const connection = toolConnection(url);
  const pgDump = await findPgTool('pg_dump', serverMajor, settings.pgBinDir);
  prepareBackupDir(settings.backupDir);
  const file = path.join(settings.backupDir, backupFileName(target.database, 'dump'));
  const partial = partialName(file);
  writeFileSync(partial, '', { mode: 0o600, flag: 'wx' }); // pg_dump truncates it and keeps the mode
  const forget = onExit(() => rmSync(partial, { force: true }));
  try {
    const result = await runTool(pgDump.path, ['--format=custom', '--no-password', `--file=${partial}`, `--dbname=${connection.dbname}`], {
      ...connection,
      stopWithParent: true,
    });
    if (result.code !== 0) {
      throw new PlayLaterError('E_BACKUP', `pg_dump ${pgDump.version} failed for database "${target.database}" on ${describeHosts(target)}: ${result.stderr || `exit ${String(result.code)}`}`, {
        hint: 'Nothing was changed. Check that the user may read every table (and that the URL is direct, not through PgBouncer).',
      });
    }
    chmodSync(partial, 0o600);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
    forget();
  }
  return { kind: 'dump', database: target.database, path: file, method: `pg_dump ${pgDump.version} (${pgDump.path}), custom format`, removed: pruneBackups(settings.backupDir, target.database, settings.backupKeep) };
}

/**
 * The embedded server ships no pg_dump: its backup is a copy of the whole cluster folder (and its
 * password file) taken while the server is stopped and kept stopped, which is consistent by
 * construction. `cp -a` keeps the owner (the `postgres` user when run as root) and modes.
 */
export async function backupEmbedded(dataDir: string, settings: BackupSettings): Promise<BackupResult> {
  prepareBackupDir(settings.backupDir);
  const folder = path.join(settings.backupDir, backupFileName(EMBEDDED_DATABASE, 'embedded'));
  const partial = partialName(folder);
  await withStoppedCluster(dataDir, async (clusterDir) => {
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      throw new PlayLaterError('E_BACKUP', `There is no embedded database in ${clusterDir} to back up.`, {
        hint: 'Run `npm start` (play-later-db setup) first, or set DATABASE_URL to back up another server.',
      });
    }
    mkdirSync(partial, { mode: 0o700 });
    const forget = onExit(() => rmSync(partial, { recursive: true, force: true }));
    try {
      await copyTree(clusterDir, path.join(partial, 'pg18'));
      await copyTree(path.join(dataDir, 'password'), path.join(partial, 'password'));
      // Our own guard file was copied too; a restored cluster must not look in use.
      rmSync(path.join(partial, 'pg18', 'postmaster.pid'), { force: true });
      writeFileSync(path.join(partial, 'backup.json'), `${JSON.stringify({ kind: 'embedded', database: EMBEDDED_DATABASE, takenAt: new Date().toISOString(), from: clusterDir }, null, 2)}\n`, { mode: 0o600 });
      renameSync(partial, folder);
    } finally {
      rmSync(partial, { recursive: true, force: true });
      forget();
    }
  });
  return { kind: 'embedded', database: EMBEDDED_DATABASE, path: folder, method: 'copy of the stopped embedded cluster', removed: pruneBackups(settings.backupDir, EMBEDDED_DATABASE, settings.backupKeep) };
}

export async function copyTree(from: string, to: string): Promise<void> {
  const result = await runTool('cp', ['-a', from, to], { stopWithParent: true });
  if (result.code !== 0) throw new PlayLaterError('E_BACKUP', `Copying ${from} to ${to} failed: ${result.stderr}`, { hint: 'Check free disk space and permissions.' });
}

/**
 * Backs up the configured database: pg_dump through the direct URL (DIRECT_DATABASE_URL when set:
 * pg_dump's session settings do not survive transaction pooling), or the embedded cluster folder.
 */
export async function backupConfiguredDatabase(config: Config): Promise<BackupResult> {
  const url = config.directDatabaseUrl ?? config.databaseUrl;
  if (!url) return backupEmbedded(config.dataDir, config);
  const client = await connect(url);
  let major: number;
  try {
    major = await serverMajorVersion(client);
  } finally {
    await disconnect(client);
  }
  return backupExternal(url, major, config);
}
