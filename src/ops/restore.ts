import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/resolve-config.js';
import { connect, disconnect } from '../db/connect.js';
import { parseDatabaseUrl, withDatabase } from '../db/database-url.js';
import { EMBEDDED_DATABASE, withStoppedCluster } from '../db/embedded-server.js';
import { PlayLaterError, isPlayLaterError } from '../errors.js';
import { BOOKKEEPING_TABLES } from '../schema/describe-schema.js';
import { backupKind } from './backup-files.js';
import { copyTree, serverMajorVersion } from './backup.js';
import { findPgTool } from './pg-tools.js';
import { runTool, toolConnection } from './run-tool.js';

export interface RestoreResult {
  database: string;
  backup: string;
  method: string;
}

/** Checks the path names a backup this toolkit made, and which kind. */
export function inspectBackup(backup: string): 'dump' | 'embedded' {
  const kind = backupKind(backup);
  if (!kind || !existsSync(backup)) {
    throw new PlayLaterError('E_RESTORE', `${backup} is not a backup${existsSync(backup) ? ' made by play-later-db (<database>_<UTC time>.dump or .embedded)' : ': it does not exist'}.`, {
      hint: 'Pass the path that `backup` or `deploy` printed; backups are kept in backupDir (default .play-later/backups).',
    });
  }
  return kind;
}

/**
 * Restores a pg_dump archive into a recreated database: pg_restore --single-transaction fills a new
 * database first; only when that succeeded is the old database dropped (WITH FORCE, ending its
 * sessions) and the new one renamed in its place. So a failed restore leaves the database as it
 * was, and a successful one leaves exactly the backed-up state, without objects created since
 * (which pg_restore --clean would keep). Needs CREATEDB and a direct (not pooled) URL.
 */
export async function restoreExternal(url: string, backup: string, pgBinDir: string | undefined): Promise<RestoreResult> {
  const target = parseDatabaseUrl(url);
  const adminUrl = withDatabase(url, target.database === 'postgres' ? 'template1' : 'postgres');
  const admin = await connect(adminUrl, { requireWritable: true });
  const scratch = `${target.database.slice(0, 40)}_restore_${randomBytes(4).toString('hex')}`;
  const quote = (name: string): string => admin.escapeIdentifier(name);
  try {
    const pgRestore = await findPgTool('pg_restore', await serverMajorVersion(admin), pgBinDir);
    const connection = toolConnection(url, scratch);
    const listed = await runTool(pgRestore.path, ['--list', backup], connection);
    if (listed.code !== 0) {
      throw new PlayLaterError('E_RESTORE', `pg_restore ${pgRestore.version} cannot read ${backup}: ${listed.stderr}`, {
        hint: 'Nothing was changed. Use a pg_restore at least as new as the pg_dump that wrote the archive.',
      });
    }
    await admin.query(`CREATE DATABASE ${quote(scratch)} TEMPLATE template0`);
    const restored = await runTool(
      pgRestore.path,
      ['--exit-on-error', '--single-transaction', '--no-password', `--dbname=${connection.dbname}`, backup],
      connection,
    );
    if (restored.code !== 0) {
      throw new PlayLaterError('E_RESTORE', `pg_restore ${pgRestore.version} failed on ${backup}: ${restored.stderr}`, {
        hint: `Nothing was changed: database "${target.database}" is as it was (the restore ran into a scratch database, now dropped).`,
      });
    }
    await admin.query(`DROP DATABASE IF EXISTS ${quote(target.database)} WITH (FORCE)`);
    await admin.query(`ALTER DATABASE ${quote(scratch)} RENAME TO ${quote(target.database)}`);
    return { database: target.database, backup, method: `pg_restore ${pgRestore.version} --single-transaction into a new database, then swapped in for "${target.database}"` };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${quote(scratch)} WITH (FORCE)`).catch(() => undefined);
    await disconnect(admin);
  }
}

/**
 * Puts a copy of the embedded cluster back while the server is stopped: the copy is made beside
 * the current cluster, then swapped in by renaming, so an interrupted copy changes nothing.
 */
export async function restoreEmbedded(dataDir: string, backup: string): Promise<RestoreResult> {
  const source = path.join(backup, 'pg18');
  if (!existsSync(path.join(source, 'PG_VERSION')) || !statSync(path.join(backup, 'password')).isFile()) {
    throw new PlayLaterError('E_RESTORE', `${backup} holds no embedded cluster (pg18/ and password).`, {
      hint: 'Pass a .embedded backup made by `backup` or `deploy` without DATABASE_URL.',
    });
  }
  await withStoppedCluster(dataDir, async (clusterDir) => {
    const incoming = `${clusterDir}.restoring`;
    const outgoing = `${clusterDir}.replaced`;
    rmSync(incoming, { recursive: true, force: true });
    rmSync(outgoing, { recursive: true, force: true });
    await copyTree(source, incoming);
    // Keep the folder guarded across the swap: withStoppedCluster removes this file at the end.
    writeFileSync(path.join(incoming, 'postmaster.pid'), `${process.pid}\n`);
    if (existsSync(clusterDir)) renameSync(clusterDir, outgoing);
    renameSync(incoming, clusterDir);
    await copyTree(path.join(backup, 'password'), path.join(dataDir, 'password.restoring'));
    renameSync(path.join(dataDir, 'password.restoring'), path.join(dataDir, 'password'));
    rmSync(outgoing, { recursive: true, force: true });
  });
  return { database: EMBEDDED_DATABASE, backup, method: 'the stopped embedded cluster replaced by the copy in the backup' };
}

/**
 * The tables of the database at `url` that hold at least one row (the runner's bookkeeping aside):
 * what a restore would replace. A database that does not exist holds nothing.
 */
export async function tablesHoldingRows(url: string): Promise<string[]> {
  const client = await connect(url).catch((error: unknown) => {
    if (isPlayLaterError(error) && error.code === 'E_DATABASE_MISSING') return undefined;
    throw error;
  });
  if (!client) return [];
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
          AND NOT (n.nspname = 'public' AND c.relname = ANY($1)) ORDER BY 1`,
      [BOOKKEEPING_TABLES],
    );
    const holding: string[] = [];
    for (const { name } of rows) if (((await client.query(`SELECT 1 FROM ${name} LIMIT 1`)).rowCount ?? 0) > 0) holding.push(name);
    return holding;
  } finally {
    await disconnect(client);
  }
}

/** The URL a restore replaces: the direct one (pg_restore and DROP DATABASE need a real session). */
export function restoreTargetUrl(config: Config): string | undefined {
  return config.directDatabaseUrl ?? config.databaseUrl;
}

/** Restores a backup made by `backup`/`deploy` into the configured database (embedded or not). */
export async function restoreConfiguredDatabase(config: Config, backup: string): Promise<RestoreResult> {
  const kind = inspectBackup(backup);
  const url = restoreTargetUrl(config);
  if (kind === 'embedded') {
    if (url) {
      throw new PlayLaterError('E_RESTORE', `${backup} is a copy of the embedded server's cluster; it restores only the embedded database, but DATABASE_URL is set.`, {
        hint: 'Unset DATABASE_URL (and DIRECT_DATABASE_URL) to restore the embedded database, or pass a .dump backup.',
      });
    }
    return restoreEmbedded(config.dataDir, backup);
  }
  if (!url) {
    throw new PlayLaterError('E_RESTORE', `${backup} is a pg_dump archive of an external server, but no DATABASE_URL is set.`, {
      hint: 'Set DATABASE_URL (or DIRECT_DATABASE_URL) to the database to restore into.',
    });
  }
  return restoreExternal(url, backup, config.pgBinDir);
}
