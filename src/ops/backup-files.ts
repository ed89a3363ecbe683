import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

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

function safeName(database: string): string {
  return database.replace(/[^A-Za-z0-9_.-]/g, '_');
}
