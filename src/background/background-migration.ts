/**
 * Batched background migrations: a data change a revision declares, run in small batches outside
 * the deploy's critical path (`play-later-db background run`), the way GitLab runs large ones.
 * Each batch is one short transaction that also records the batch's last key, so a crash resumes
 * from the last committed batch. A batch takes row locks on its own rows only (and the table's
 * ROW EXCLUSIVE lock, which blocks no other writer): never ALTER TABLE, never a trigger switched
 * off. A row's updated_at trigger fires as for any other write: a backfill is a change of the row.
 */
import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import { sqlLiteral } from '../runner/sql-literal.js';

export const BACKGROUND_TABLE = 'play_later_background_migrations';

export const BACKGROUND_STATUSES = ['queued', 'running', 'paused', 'finished'] as const;
export type BackgroundStatus = (typeof BACKGROUND_STATUSES)[number];

/** What a revision declares (export const background = [...]). */
export interface BackgroundMigrationSpec {
  /** Unique, stable: later revisions require it by this name. */
  name: string;
  table: string;
  /** A unique key of the table, walked in order: each batch starts after the last one's key. */
  keyColumns: readonly string[];
  /** The SET list of the UPDATE, e.g. `score = length(platform)`. */
  set: string;
  /** Only rows that still need the change: makes a batch re-run after a crash harmless. */
  where?: string;
  batchSize?: number;
}

export interface BackgroundMigration {
  name: string;
  revision: string;
  table: string;
  keyColumns: string[];
  set: string;
  where: string;
  batchSize: number;
  status: BackgroundStatus;
  lastKey: string[] | null;
  rowsDone: number;
  batchesDone: number;
  throttledMs: number;
  updatedAt: Date;
  finishedAt: Date | null;
}

const CREATE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${BACKGROUND_TABLE} (
    name VARCHAR(64) PRIMARY KEY,
    revision VARCHAR(32) NOT NULL,
    table_name TEXT NOT NULL,
    key_columns TEXT[] NOT NULL,
    set_list TEXT NOT NULL,
    where_clause TEXT NOT NULL DEFAULT 'true',
    batch_size INTEGER NOT NULL DEFAULT 1000 CHECK (batch_size > 0),
    status VARCHAR(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'paused', 'finished')),
    last_key TEXT[],
    rows_done BIGINT NOT NULL DEFAULT 0,
    batches_done INTEGER NOT NULL DEFAULT 0,
    throttled_ms BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ
)`;

export async function ensureBackgroundTable(client: pg.Client): Promise<void> {
  await client.query(CREATE_TABLE_SQL);
}

/**
 * The statements that record a revision's declared migrations: sent by the runner in the
 * transaction of the revision's new head, and written into offline SQL (`--sql`) at the same place.
 * A table with no rows (a new database) has nothing to change: its migration is recorded finished
 * at once, so that no run and no requiring revision waits for it.
 */
export function enqueueStatements(revision: string, specs: readonly BackgroundMigrationSpec[]): string[] {
  if (specs.length === 0) return [];
  return [
    CREATE_TABLE_SQL,
    ...specs.map(
      (spec) =>
        `INSERT INTO ${BACKGROUND_TABLE} (name, revision, table_name, key_columns, set_list, where_clause, batch_size, status, finished_at)
       SELECT ${[spec.name, revision, spec.table].map(sqlLiteral).join(', ')}, ARRAY[${spec.keyColumns.map(sqlLiteral).join(', ')}]::text[], ${sqlLiteral(spec.set)}, ${sqlLiteral(spec.where ?? 'true')}, ${sqlLiteral(spec.batchSize ?? 1000)},
              CASE WHEN empty THEN 'finished' ELSE 'queued' END, CASE WHEN empty THEN now() END
         FROM (SELECT NOT EXISTS (SELECT 1 FROM ${quoteName(spec.table)}) AS empty) AS t
       ON CONFLICT (name) DO NOTHING`,
    ),
  ];
}

/** Records a revision's declared migrations (in the revision's own transaction when it has one). */
export async function enqueueBackgroundMigrations(client: pg.Client, revision: string, specs: readonly BackgroundMigrationSpec[]): Promise<void> {
  for (const statement of enqueueStatements(revision, specs)) await client.query(statement);
}

/** A table or column name as an SQL identifier. */
export const quoteName = (name: string): string => `"${name.replaceAll('"', '""')}"`;

interface Row {
  name: string;
  revision: string;
  table_name: string;
  key_columns: string[];
  set_list: string;
  where_clause: string;
  batch_size: number;
  status: BackgroundStatus;
  last_key: string[] | null;
  rows_done: string;
  batches_done: number;
  throttled_ms: string;
  updated_at: Date;
  finished_at: Date | null;
}

const fromRow = (row: Row): BackgroundMigration => ({
  name: row.name,
  revision: row.revision,
  table: row.table_name,
  keyColumns: row.key_columns,
  set: row.set_list,
  where: row.where_clause,
  batchSize: row.batch_size,
  status: row.status,
  lastKey: row.last_key,
  rowsDone: Number(row.rows_done),
  batchesDone: row.batches_done,
  throttledMs: Number(row.throttled_ms),
  updatedAt: row.updated_at,
  finishedAt: row.finished_at,
});

/** Every recorded background migration (none when the table does not exist yet). */
export async function listBackgroundMigrations(client: pg.Client): Promise<BackgroundMigration[]> {
  const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [BACKGROUND_TABLE]);
  if (!exists.rows[0].present) return [];
  const result = await client.query<Row>(`SELECT * FROM ${BACKGROUND_TABLE} ORDER BY created_at, name`);
  return result.rows.map(fromRow);
}

function unknownMigration(name: string): PlayLaterError {
  return new PlayLaterError('E_NOT_FOUND', `No background migration named ${name}.`, {
    hint: 'List them with `play-later-db background status`.',
    data: { name },
  });
}

/** pause: a running `background run` stops after its current batch; resume: it may run again. */
export async function setPaused(client: pg.Client, name: string, paused: boolean): Promise<BackgroundMigration> {
  await ensureBackgroundTable(client);
  const result = await client.query<Row>(
    `UPDATE ${BACKGROUND_TABLE} SET status = CASE WHEN status = 'finished' THEN status WHEN $2 THEN 'paused' ELSE 'queued' END, updated_at = now()
      WHERE name = $1 RETURNING *`,
    [name, paused],
  );
  if (result.rows.length === 0) throw unknownMigration(name);
  return fromRow(result.rows[0]!);
}

/**
 * Refuses a revision that requires background migrations not finished yet: it would otherwise
 * build on data that is only partly changed.
 */
export async function assertBackgroundFinished(client: pg.Client, revision: string, required: readonly string[]): Promise<void> {
  if (required.length === 0) return;
  const known = new Map((await listBackgroundMigrations(client)).map((migration) => [migration.name, migration]));
  const pending = required.filter((name) => known.get(name)?.status !== 'finished');
  if (pending.length === 0) return;
  const describe = (name: string): string => {
    const migration = known.get(name);
    return migration ? `${name} (${migration.status}, ${migration.rowsDone} rows done)` : `${name} (not recorded: the revision that declares it is not applied)`;
  };
  throw new PlayLaterError('E_BACKGROUND_PENDING', `Revision ${revision} requires background migration(s) ${pending.map(describe).join(', ')} to be finished.`, {
    hint: 'Run `play-later-db background run` until `background status` says finished, then run the upgrade again.',
    data: { revision, pending },
  });
}

export { unknownMigration };
