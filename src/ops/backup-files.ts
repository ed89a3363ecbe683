import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../db/embedded-server.js';

/** A pg_dump custom-format archive, or a copy of the embedded server's cluster folder. */
export type BackupKind = 'dump' | 'embedded';

const EXTENSIONS: Record<BackupKind, string> = { dump: '.dump', embedded: '.embedded' };
const STAMP = /_(\d{8}T\d{6}\d{3}Z)\.(dump|embedded)$/;

/** `<database>_<UTC yyyymmddThhmmssSSS>Z.<kind>`: sorts by time, says what it holds and since when. */
export function backupFileName(database: string, kind: BackupKind, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${safeName(database)}_${stamp}${EXTENSIONS[kind]}`;
}

export function backupKind(file: string): BackupKind | undefined {
  const match = STAMP.exec(path.basename(file));
  return match ? (match[2] as BackupKind) : undefined;
}

/** The backups of one database in a folder, oldest first. */
export function listBackups(dir: string, database: string): string[] {
  if (!existsSync(dir)) return [];
  const prefix = `${safeName(database)}_`;
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && STAMP.test(name) && /^\d/.test(name.slice(prefix.length)))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Removes the oldest backups of a database beyond `keep` (0 keeps all); returns what it removed. */
export function pruneBackups(dir: string, database: string, keep: number): string[] {
  if (keep <= 0) return [];
  const all = listBackups(dir, database);
  const removed = all.slice(0, Math.max(0, all.length - keep));
  for (const file of removed) rmSync(file, { recursive: true, force: true });
  return removed;
}

/** Where a backup is written until complete: `<backup>.<pid>.partial`, so a stale one names its dead writer. */
export function partialName(backup: string): string {
  return `${backup}.${process.pid}.partial`;
}

const PARTIAL = /\.(?:(\d+)\.)?partial$/;
/** A partial without a pid (written by an older version) is stale once nothing wrote to it for this long. */
const UNOWNED_PARTIAL_STALE_MS = 10 * 60_000;

/**
 * The backup folder, readable by its owner only (0700; each backup is 0600), cleared of the
 * partial backups of writers that died (a backup killed with -9 cannot remove its own).
 * Returns the stale partials removed.
 */
export function prepareBackupDir(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = PARTIAL.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    const stale = match[1] ? !isProcessAlive(Number(match[1])) : Date.now() - statSync(file).mtimeMs > UNOWNED_PARTIAL_STALE_MS;
    if (stale) {
      rmSync(file, { recursive: true, force: true });
      removed.push(file);
    }
  }
  return removed;
}

function safeName(database: string): string {
  return database.replace(/[^A-Za-z0-9_.-]/g, '_');
}
