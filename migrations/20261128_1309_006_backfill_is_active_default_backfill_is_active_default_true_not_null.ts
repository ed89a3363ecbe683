/**
 * Backfill is_active, default true, not null.
 * Corrects SEED-NOTES item 1: the seed's is_active had only a Python-side default, so rows written
 * with plain SQL got NULL and silently vanished from active_collection, search_games().owned and
 * the stats. NULL always meant "active" to the app, so NULL becomes true.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '006_backfill_is_active_default';
export const downRevision = '005_add_database_views';
export const message = 'Backfill is_active, default true, not null';
export const createDate = '2026-11-28T13:09:54Z';

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  // The backfill is not a user's edit: keep updated_at as it was (the trigger would stamp now()).
  await sql`ALTER TABLE user_game_collection DISABLE TRIGGER update_collection_updated_at`.execute(db);
  const backfilled = await sql`UPDATE user_game_collection SET is_active = true WHERE is_active IS NULL`.execute(db);
  await sql`ALTER TABLE user_game_collection ENABLE TRIGGER update_collection_updated_at`.execute(db);
  context.log(`006: ${backfilled.numAffectedRows ?? 0n} collection row(s) with is_active NULL set to true`);
  await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active SET DEFAULT true`.execute(db);
  await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active SET NOT NULL`.execute(db);
}

/** Restores the seed's column; the backfilled rows stay true (NULL meant true to the app). */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active DROP DEFAULT`.execute(db);
}
