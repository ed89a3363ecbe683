import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import type { Direction } from './plan.js';
import type { Revision } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { sqlLiteral } from './sql-literal.js';

/**
 * The history table beside alembic_version: one row per revision run (and per adoption or accepted
 * checksum), with the sha256 of the file that ran. The checksum of the latest finished row of an
 * applied revision is the one its file must still have.
 */
export const HISTORY_TABLE = 'play_later_revision_history';

/** adopt: recorded when the runner first sees an applied revision without history (e.g. the seed's Alembic). */
export type HistoryDirection = Direction | 'adopt' | 'accept';

/**
 * status: 'running' is written (committed) before a non-transactional revision starts, so a crash in
 * its middle stays visible; 'done' when finished; 'interrupted' once a later run has recovered it.
 * A 'running' row is also the migration lease (migration-lease.ts): lease_holder is the run that
 * holds it, lease_expires_at how long it stays valid without a renewal, and journal every statement
 * the revision sent, written before it was sent, so that recovery knows what the run created.
 */
export const CREATE_HISTORY_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision VARCHAR(32) NOT NULL,
    direction VARCHAR(6) NOT NULL CHECK (direction IN ('up', 'down', 'adopt', 'accept')),
    status VARCHAR(11) NOT NULL DEFAULT 'done' CHECK (status IN ('running', 'done', 'interrupted')),
    checksum CHAR(64) NOT NULL,
    file TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at TIMESTAMPTZ,
    duration_ms INTEGER,
    applied_by TEXT NOT NULL DEFAULT current_user,
    application TEXT NOT NULL DEFAULT current_setting('application_name'),
    host TEXT,
    lease_holder TEXT,
    lease_expires_at TIMESTAMPTZ,
    journal TEXT[]
)`;

/** Columns added after the table was first released: a table created by an older runner gets them. */
const LATER_COLUMNS = { lease_holder: 'TEXT', lease_expires_at: 'TIMESTAMPTZ', journal: 'TEXT[]' } as const;

/** Who runs: the database user is recorded by the server; this names the machine and process. */
export function runnerHost(): string {
  return `${os.hostname()} pid ${process.pid}`;
}

export interface HistoryEntry {
  revision: Revision;
  direction: HistoryDirection;
  host: string;
  /** Measured by the runner; left out (offline SQL) it is the time since the transaction began. */
  durationMs?: number;
}

/** The INSERT of a finished run. */
export function historyInsertSql(entry: HistoryEntry): string {
  const duration =
    entry.durationMs === undefined ? `round(extract(epoch FROM clock_timestamp() - now()) * 1000)::integer` : sqlLiteral(Math.round(entry.durationMs));
  return `INSERT INTO ${HISTORY_TABLE} (revision, direction, checksum, file, applied_at, duration_ms, host) VALUES (${[
    sqlLiteral(entry.revision.id),
    sqlLiteral(entry.direction),
    sqlLiteral(entry.revision.checksum),
    sqlLiteral(path.basename(entry.revision.file)),
    'clock_timestamp()',
    duration,
    sqlLiteral(entry.host),
  ].join(', ')})`;
}

/**
 * Creates the table, or adds the columns an older runner's table lacks. The catalog is read first:
 * ALTER TABLE would take an exclusive lock on the table even when it has nothing to add.
 */
export async function ensureHistoryTable(client: pg.Client): Promise<void> {
  await client.query(CREATE_HISTORY_TABLE_SQL);
  const present = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND NOT attisdropped`,
    [HISTORY_TABLE],
  );
  const names = new Set(present.rows.map((row) => row.name));
  const missing = Object.entries(LATER_COLUMNS).filter(([name]) => !names.has(name));
  if (missing.length > 0) {
    await client.query(`ALTER TABLE ${HISTORY_TABLE} ${missing.map(([name, type]) => `ADD COLUMN IF NOT EXISTS ${name} ${type}`).join(', ')}`);
  }
}

export async function recordHistory(client: pg.Client, entry: HistoryEntry): Promise<void> {
  await client.query(historyInsertSql(entry));
}

export async function recordFinished(client: pg.Client, id: string, durationMs: number): Promise<void> {
  await client.query(`UPDATE ${HISTORY_TABLE} SET status = 'done', applied_at = clock_timestamp(), duration_ms = $2, lease_expires_at = NULL WHERE id = $1`, [
    id,
    Math.round(durationMs),
  ]);
}

export interface InterruptedRun {
  id: string;
  revision: string;
  direction: Direction;
  startedAt: Date;
  appliedBy: string;
  host: string | null;
  /** What it sent (or was about to send) before it stopped; null for a run of an older runner. */
  journal: string[] | null;
}

/**
 * Non-transactional runs that started and never finished and whose lease has lapsed: their runner
 * died or failed midway. A run whose lease is still valid is another runner's, at work.
 */
export async function findInterrupted(client: pg.Client, revisionId: string): Promise<InterruptedRun[]> {
  const result = await client.query<{ id: string; revision: string; direction: Direction; started_at: Date; applied_by: string; host: string | null; journal: string[] | null }>(
    `SELECT id, revision, direction, started_at, applied_by, host, journal FROM ${HISTORY_TABLE}
      WHERE status = 'running' AND revision = $1 AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp()) ORDER BY id`,
    [revisionId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    revision: row.revision,
    direction: row.direction,
    startedAt: row.started_at,
    appliedBy: row.applied_by,
    host: row.host,
    journal: row.journal,
  }));
}

export async function markInterrupted(client: pg.Client, ids: readonly string[]): Promise<void> {
  await client.query(`UPDATE ${HISTORY_TABLE} SET status = 'interrupted' WHERE id = ANY($1::bigint[])`, [ids]);
}

/**
 * The checksum each revision was last applied (or adopted, or accepted) with; empty without a
 * history table (`exists`: the caller knows it exists).
 */
export async function recordedChecksums(client: pg.Client, known: { exists?: boolean } = {}): Promise<Map<string, string>> {
  if (!known.exists) {
    const exists = await client.query<{ found: boolean }>(`SELECT to_regclass('${HISTORY_TABLE}') IS NOT NULL AS found`);
    if (!exists.rows[0]?.found) return new Map();
  }
  const result = await client.query<{ revision: string; direction: HistoryDirection; checksum: string }>(
    `SELECT DISTINCT ON (revision) revision, direction, checksum FROM ${HISTORY_TABLE}
      WHERE status = 'done' ORDER BY revision, id DESC`,
  );
  return new Map(result.rows.filter((row) => row.direction !== 'down').map((row) => [row.revision, row.checksum]));
}

/** A non-transactional run that started and has not finished, as `current` shows it. */
export interface UnfinishedRun {
  revision: string;
  direction: Direction;
  startedAt: Date;
  host: string | null;
  /** Its lease is valid: another runner is at it now. Otherwise it was interrupted, and the next run recovers it. */
  inProgress: boolean;
  /** When its lease lapses unless its runner renews it: a runner that died without releasing it keeps others out until then. */
  leaseExpiresAt: Date | null;
}

/**
 * What a status read takes from the history: the recorded checksums, and the non-transactional runs
 * that never finished (the latest of each revision). undefined when this role may not read the
 * table (the app role may not): the caller then says what it could not check.
 */
export async function readHistoryForStatus(client: pg.Client): Promise<{ checksums: Map<string, string>; unfinished: UnfinishedRun[] } | undefined> {
  const access = await client.query<{ found: boolean; readable: boolean; leased: boolean }>(
    `SELECT c.oid IS NOT NULL AS found,
            c.oid IS NOT NULL AND has_table_privilege(c.oid, 'SELECT') AS readable,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'lease_expires_at' AND NOT a.attisdropped) AS leased
       FROM (SELECT to_regclass($1) AS oid) AS c`,
    [HISTORY_TABLE],
  );
  const { found, readable, leased } = access.rows[0]!;
  if (!found) return { checksums: new Map(), unfinished: [] };
  if (!readable) return undefined;
  const checksums = await recordedChecksums(client, { exists: true });
  if (!leased) return { checksums, unfinished: [] };
  const result = await client.query<{ revision: string; direction: Direction; started_at: Date; host: string | null; in_progress: boolean; lease_expires_at: Date | null }>(
    `SELECT DISTINCT ON (revision) revision, direction, started_at, host, coalesce(lease_expires_at > clock_timestamp(), false) AS in_progress, lease_expires_at
       FROM ${HISTORY_TABLE} WHERE status = 'running' ORDER BY revision, id DESC`,
  );
  const unfinished = result.rows.map((row) => ({
    revision: row.revision,
    direction: row.direction,
    startedAt: row.started_at,
    host: row.host,
    inProgress: row.in_progress,
    leaseExpiresAt: row.lease_expires_at,
  }));
  return { checksums, unfinished };
}

export interface ChecksumState {
  /** Applied revisions whose file changed since (E_CHECKSUM_MISMATCH when a runner meets them). */
  mismatched: Revision[];
  /** Applied revisions without a recorded checksum (the seed's Alembic, a stamp): adopted by the next run. */
  unrecorded: Revision[];
}

/** Compares the files of the applied revisions with the checksums they were applied with. */
export function compareChecksums(graph: RevisionGraph, applied: ReadonlySet<string>, recorded: ReadonlyMap<string, string>): ChecksumState {
  const state: ChecksumState = { mismatched: [], unrecorded: [] };
  for (const revision of graph.order) {
    if (!applied.has(revision.id)) continue;
    const checksum = recorded.get(revision.id);
    if (checksum === undefined) state.unrecorded.push(revision);
    else if (checksum !== revision.checksum) state.mismatched.push(revision);
  }
  return state;
}

export function checksumMismatch(mismatched: readonly Revision[]): PlayLaterError {
  const files = mismatched.map((r) => path.relative(process.cwd(), r.file));
  return new PlayLaterError(
    'E_CHECKSUM_MISMATCH',
    `Applied revision file(s) changed since they were applied: ${files.join(', ')}. The database ran the old text; running on would hide the difference.`,
    {
      hint: `Restore the file(s) as applied (git log -p) and write a new revision for the change; or, if the edit changes nothing the database sees (a comment), accept it: ${mismatched
        .map((r) => `play-later-db checksum accept ${r.id}`)
        .join('; ')}.`,
      data: { revisions: mismatched.map((r) => r.id), files },
    },
  );
}

/** Reads only: throws E_CHECKSUM_MISMATCH when an applied revision's file was edited (verify, deploy before its backup). */
export async function assertChecksumsMatch(client: pg.Client, graph: RevisionGraph, applied: ReadonlySet<string>): Promise<void> {
  const { mismatched } = compareChecksums(graph, applied, await recordedChecksums(client));
  if (mismatched.length > 0) throw checksumMismatch(mismatched);
}

/**
 * Refuses to run when the file of an applied revision changed since it was applied
 * (E_CHECKSUM_MISMATCH naming the files). Applied revisions without history (a database the seed's
 * Alembic migrated, or a stamp) are adopted: their current checksum is recorded.
 * Returns the ids adopted.
 */
export async function verifyChecksums(client: pg.Client, graph: RevisionGraph, applied: ReadonlySet<string>, host: string, known: { exists?: boolean } = {}): Promise<string[]> {
  const { mismatched, unrecorded } = compareChecksums(graph, applied, await recordedChecksums(client, known));
  if (mismatched.length > 0) throw checksumMismatch(mismatched);
  for (const revision of unrecorded) await recordHistory(client, { revision, direction: 'adopt', host, durationMs: 0 });
  return unrecorded.map((r) => r.id);
}
