/**
 * The bulk path for a user's rows (collection entries, playthroughs): every row checked with the
 * one-row function's rules, all rows inserted by one INSERT … SELECT FROM unnest(…), then one
 * refresh_user_stats per user touched, in one transaction (the caller's when db is one), so the
 * stats are exact at commit. A bad row fails the whole batch; the error names the row's index.
 */
import { sql, type Transaction } from 'kysely';
import { inTransaction, type Database, type Db } from './connection.js';
import { DataError, mapDatabaseError } from './database-errors.js';

/** A column of the insert and the PostgreSQL type of the array that carries it. */
export type BulkColumns<Row> = readonly (readonly [keyof Row & string, string])[];

const SAVEPOINT = 'bulk_rows';

/** Checks every input with `check` (a one-row path's rules); the first failure names its index. */
export function checkEach<Input, Row>(inputs: readonly Input[], check: (input: Input) => Row): Row[] {
  if (!Array.isArray(inputs)) throw new DataError('E_VALIDATION', 'rows must be an array', { field: 'rows' });
  return inputs.map((input, index) => {
    try {
      return check(input);
    } catch (error) {
      throw atIndex(error, index);
    }
  });
}

/** Inserts `rows` into `table` and refreshes the stats of every user in them, once each. */
export async function insertUserRows<Row extends { user_id: string }, Out>(db: Db, table: 'user_game_collection' | 'game_playthrough', columns: BulkColumns<Row>, rows: readonly Row[]): Promise<Out[]> {
  if (rows.length === 0) return [];
  return inTransaction(db, async (trx) => {
    await sql.raw(`SAVEPOINT ${SAVEPOINT}`).execute(trx);
    let inserted: Out[];
    try {
      inserted = await insertRows<Row, Out>(trx, table, columns, rows);
    } catch (error) {
      const mapped = mapDatabaseError(error);
      if (!(mapped instanceof DataError)) throw mapped;
      throw atIndex(mapped, await firstFailingRow(trx, table, columns, rows));
    }
    const users = [...new Set(rows.map((row) => row.user_id))].sort();
    await sql`SELECT refresh_user_stats(u) FROM unnest(${users}::varchar[]) AS u`.execute(trx);
    return inserted;
  });
}

async function insertRows<Row, Out>(trx: Transaction<Database>, table: string, columns: BulkColumns<Row>, rows: readonly Row[]): Promise<Out[]> {
  const arrays = columns.map(([column, type]) => sql`${rows.map((row) => row[column] ?? null)}::${sql.raw(type)}[]`);
  const names = sql.join(columns.map(([column]) => sql.ref(column)));
  const result = await sql<Out>`INSERT INTO ${sql.table(table)} (${names})
    SELECT ${names} FROM unnest(${sql.join(arrays)}) WITH ORDINALITY AS r(${names}, ordinality) ORDER BY ordinality
    RETURNING *`.execute(trx);
  return result.rows;
}

/**
 * The index of the row that breaks a constraint: the shortest failing prefix, found by bisection,
 * each attempt undone by the savepoint (only on the failure path; the batch fails anyway).
 */
async function firstFailingRow<Row>(trx: Transaction<Database>, table: string, columns: BulkColumns<Row>, rows: readonly Row[]): Promise<number> {
  let passes = 0;
  let fails = rows.length;
  await sql.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).execute(trx);
  while (fails - passes > 1) {
    const middle = Math.floor((passes + fails) / 2);
    const failed = await insertRows(trx, table, columns, rows.slice(0, middle)).then(
      () => false,
      () => true,
    );
    await sql.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).execute(trx);
    if (failed) fails = middle;
    else passes = middle;
  }
  return fails - 1;
}

function atIndex(error: unknown, index: number): unknown {
  if (!(error instanceof DataError)) return error;
  return new DataError(error.code, `row ${index}: ${error.message}`, {
    field: error.field,
    constraint: error.constraint,
    cause: error.cause ?? error,
    hint: error.hint ?? 'Nothing of the batch was written; fix the row at this index (counted from 0) and send the batch again.',
    data: { ...error.data, index },
  });
}
