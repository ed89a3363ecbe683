/**
 * Drop the duplicate igdb_id index.
 * Corrects SEED-NOTES item 7: games.igdb_id is unique twice, by the constraint games_igdb_id_key
 * (the conflict target of the games upsert, ON CONFLICT (igdb_id)) and by the partial unique index
 * idx_games_igdb_id (NULLs are distinct in both, so they enforce the same rule). Every extra index
 * slows each write; the constraint stays. The seed's required indexes (idx_collection_user_id,
 * idx_playthrough_user_status, idx_games_title_search) are untouched.
 * Non-transactional, so that the index is dropped (and, down, rebuilt) CONCURRENTLY: a plain DROP
 * INDEX takes an ACCESS EXCLUSIVE lock on games. IF [NOT] EXISTS makes a re-run harmless.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '010_drop_duplicate_igdb_id_index';
export const downRevision = '009_tenant_safe_playthrough';
export const message = 'Drop duplicate igdb_id index';
export const createDate = '2026-11-28T13:15:00Z';
export const transactional = false;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_igdb_id`.execute(db);
}

/** Rebuilds the seed's index, as 002 created it. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_games_igdb_id ON games (igdb_id) WHERE igdb_id IS NOT NULL`.execute(db);
}
