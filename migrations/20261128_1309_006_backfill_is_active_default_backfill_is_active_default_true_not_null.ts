/**
 * Backfill is_active, default true, not null.
 * Corrects SEED-NOTES item 1: the seed's is_active had only a Python-side default, so rows written
 * with plain SQL got NULL and silently vanished from active_collection, search_games().owned and
 * the stats. NULL always meant "active" to the app, so NULL becomes true.
 * Non-transactional, in three short transactions, so that no step scans the table while holding a
 * lock that blocks reads: (1) backfill, DEFAULT true and CHECK (is_active IS NOT NULL) NOT VALID
 * (new rows are checked from here on); (2) VALIDATE, which scans without blocking reads or writes;
 * (3) SET NOT NULL, which PostgreSQL proves from the valid check without a scan, then the check
 * goes. Each transaction can run again, so a run interrupted between them is simply repeated.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely, type QueryResult } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '006_backfill_is_active_default';
export const downRevision = '005_add_database_views';
export const message = 'Backfill is_active, default true, not null';
export const createDate = '2026-11-28T13:09:54Z';
export const transactional = false;

/** Runs statements in one transaction of their own (this revision runs outside the runner's). */
async function inTransaction(db: Kysely<any>, statements: readonly string[]): Promise<QueryResult<unknown>[]> {
  await sql.raw('BEGIN').execute(db);
  try {
    const results: QueryResult<unknown>[] = [];
    for (const statement of statements) results.push(await sql.raw(statement).execute(db));
    await sql.raw('COMMIT').execute(db);
    return results;
  } catch (error) {
    await sql.raw('ROLLBACK').execute(db).catch(() => undefined);
    throw error;
  }
}

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  const [, backfilled] = await inTransaction(db, [
    // The backfill is not a user's edit: keep updated_at as it was (the trigger would stamp now()).
    'ALTER TABLE user_game_collection DISABLE TRIGGER update_collection_updated_at',
    'UPDATE user_game_collection SET is_active = true WHERE is_active IS NULL',
    'ALTER TABLE user_game_collection ENABLE TRIGGER update_collection_updated_at',
    'ALTER TABLE user_game_collection ALTER COLUMN is_active SET DEFAULT true',
    'ALTER TABLE user_game_collection DROP CONSTRAINT IF EXISTS ck_is_active_not_null',
    'ALTER TABLE user_game_collection ADD CONSTRAINT ck_is_active_not_null CHECK (is_active IS NOT NULL) NOT VALID',
  ]);
  context.log(`006: ${backfilled?.numAffectedRows ?? 0n} collection row(s) with is_active NULL set to true`);
  await inTransaction(db, ['ALTER TABLE user_game_collection VALIDATE CONSTRAINT ck_is_active_not_null']);
  await inTransaction(db, [
    'ALTER TABLE user_game_collection ALTER COLUMN is_active SET NOT NULL',
    'ALTER TABLE user_game_collection DROP CONSTRAINT IF EXISTS ck_is_active_not_null',
  ]);
}

/** Restores the seed's column; the backfilled rows stay true (NULL meant true to the app). */
export async function down(db: Kysely<any>): Promise<void> {
  await inTransaction(db, [
    'ALTER TABLE user_game_collection ALTER COLUMN is_active DROP NOT NULL',
    'ALTER TABLE user_game_collection ALTER COLUMN is_active DROP DEFAULT',
  ]);
}
