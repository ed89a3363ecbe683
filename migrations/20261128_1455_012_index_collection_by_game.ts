/**
 * Index collection by game for cascades.
 * Deleting a game cascades to user_game_collection (ON DELETE CASCADE on game_id), and no index of
 * the collection leads with game_id (they all lead with user_id), so each deleted game scanned the
 * whole table: the benchmark saw a cleanup of 5,000 games at full size run for minutes.
 * game_playthrough already has idx_playthrough_game_user (game_id, user_id) for the same cascade.
 * Non-transactional, so that the index is built (and, down, dropped) CONCURRENTLY without blocking
 * writes; IF [NOT] EXISTS makes a re-run after a crash harmless (the runner drops an INVALID
 * leftover first).
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '012_index_collection_by_game';
export const downRevision = '011_hash_stored_session_ids';
export const message = 'Index collection by game for cascades';
export const createDate = '2026-11-28T14:55:00Z';
export const transactional = false;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_collection_game_id ON user_game_collection (game_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_collection_game_id`.execute(db);
}
