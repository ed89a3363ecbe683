import { Kysely, PostgresDialect, type LogConfig, type Transaction } from 'kysely';
import pg from 'pg';
import '../db/date-values.js'; // DATE as stored, in every time zone
import type { DB } from './database.js';

/** The generated schema types under the name the repositories use. */
export type Database = DB;

/**
 * What every repository function takes first: the app's Kysely or a transaction of it, so the
 * caller owns the transaction.
 */
export type Db = Kysely<Database>;

/** A pooled Kysely for an app or a script; the caller destroys it. */
export function createDatabase(url: string, options: { log?: LogConfig; max?: number } = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 4 });
  // An idle client that the server drops emits 'error' on the pool; without a listener Node would crash.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: options.log });
}

/**
 * Runs `work` in the caller's transaction when `db` is one, else in a new one: a write and the
 * stats refresh that follows it commit together or not at all.
 */
export async function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  return db.transaction().execute(work);
}
