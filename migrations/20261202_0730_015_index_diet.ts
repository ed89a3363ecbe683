/**
 * Index diet: drop the indexes that no hot query, stats refresh, data-layer query or cascade uses.
 * The index-cost benchmark (`npm run bench -- index-cost`) planned the app's hot queries
 * (bench/hot-queries/queries.ts) and refresh_user_stats() at full size, for a typical and the
 * heaviest user, and none of these ten indexes was chosen; every insert into the collection and
 * the playthroughs still had to maintain them (inserts ran 1.76x faster without them).
 * Kept on purpose: every constraint's index; the three the seed's health check requires
 * (idx_collection_user_id, idx_playthrough_user_status, idx_games_title_search); and the indexes a
 * foreign-key cascade from games needs (idx_collection_game_id, idx_playthrough_game_user), which
 * the benchmark's proposal wrongly listed; and idx_collection_user_acquired, which the data layer's
 * keyset pagination of a user's collection (listCollection) walks.
 * Non-transactional: each index is dropped (and, down, rebuilt) CONCURRENTLY, so writers are never
 * blocked; IF [NOT] EXISTS makes a re-run after a crash harmless. The definitions in down() are the
 * seed's (revision 002), word for word.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '015_index_diet';
export const downRevision = '014_shard_ready_keys';
export const message = 'Drop the indexes no query, stats refresh or cascade uses';
export const createDate = '2026-12-02T07:30:00Z';
export const transactional = false;

const DROPPED: ReadonlyArray<readonly [name: string, definition: string]> = [
  ['idx_collection_user_platform', 'ON user_game_collection (user_id, platform)'],
  ['idx_collection_user_priority', 'ON user_game_collection (user_id, priority) WHERE priority IS NOT NULL'],
  ['idx_collection_active', 'ON user_game_collection (user_id, is_active)'],
  ['idx_collection_platform_priority', 'ON user_game_collection (user_id, platform, priority)'],
  ['idx_playthrough_user_platform', 'ON game_playthrough (user_id, platform)'],
  ['idx_playthrough_user_rating', 'ON game_playthrough (user_id, rating) WHERE rating IS NOT NULL'],
  ['idx_playthrough_user_completed', 'ON game_playthrough (user_id, completed_at) WHERE completed_at IS NOT NULL'],
  ['idx_playthrough_status_platform', 'ON game_playthrough (user_id, status, platform)'],
  ['idx_playthrough_status_rating', 'ON game_playthrough (user_id, status, rating)'],
  ['idx_playthrough_completed_rating', 'ON game_playthrough (user_id, completed_at, rating) WHERE completed_at IS NOT NULL'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name] of DROPPED) await sql.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name, definition] of [...DROPPED].reverse()) {
    await sql.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ${definition}`).execute(db);
  }
}
