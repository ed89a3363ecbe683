/**
 * PROPOSAL (written by `npm run bench -- index-cost --size full`; not applied: move it into
 * migrations/ with the next revision id and parent to adopt it).
 * Drops the indexes on user_game_collection and game_playthrough that none of the app's hot
 * queries (bench/hot-queries/queries.ts) nor refresh_user_stats(user) plan to use, at full size,
 * for a typical and the heaviest user. Kept: constraint indexes and the seed health check's
 * idx_collection_user_id, idx_playthrough_user_status, idx_games_title_search.
 * Measured insert throughput (collection + playthrough rows, full size, same run):
 * 15368 rows/s with all indexes, 26973 rows/s without these (1.76x).
 * Caveat: game_id-led indexes also serve ON DELETE CASCADE from games; check before dropping those.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '0NN_drop_unused_indexes';
export const downRevision = 'SET_TO_HEAD';
export const message = 'Drop indexes no hot query uses';
export const createDate = '2026-11-28T14:47:33Z';
export const transactional = false;

const INDEXES: string[] = [
  'idx_collection_active',
  'idx_collection_platform_priority',
  'idx_collection_user_acquired',
  'idx_collection_user_platform',
  'idx_collection_user_priority',
  'idx_playthrough_completed_rating',
  'idx_playthrough_game_user',
  'idx_playthrough_status_platform',
  'idx_playthrough_status_rating',
  'idx_playthrough_user_completed',
  'idx_playthrough_user_platform',
  'idx_playthrough_user_rating'
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const name of INDEXES) await sql.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Re-create them with the seed's definitions (revision 002), CONCURRENTLY.
  throw new Error('Fill in from 002_add_performance_indexes before adopting this proposal.');
}
