/**
 * Add performance indexes for filtering and searching.
 * Frozen: reproduces the seed's 002_add_performance_indexes exactly (see ../../shared/SEED-NOTES.md).
 */
import { sql, type Kysely } from 'kysely';

export const revision = '002_add_performance_indexes';
export const downRevision = '001_initial_schema';
export const message = 'Add performance indexes for filtering and searching';
export const createDate = '2024-03-15T11:00:00Z';

const CREATE_INDEXES = [
  `CREATE UNIQUE INDEX idx_games_igdb_id ON games (igdb_id) WHERE igdb_id IS NOT NULL`,
  `CREATE INDEX idx_games_title_search ON games USING gin (to_tsvector('english', title))`,
  `CREATE INDEX idx_games_release_date ON games (release_date)`,
  `CREATE INDEX idx_games_created_at ON games (created_at)`,
  `CREATE INDEX idx_games_fulltext_search ON games USING gin (to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, '')))`,
  `CREATE INDEX idx_collection_user_id ON user_game_collection (user_id)`,
  `CREATE INDEX idx_collection_user_platform ON user_game_collection (user_id, platform)`,
  `CREATE INDEX idx_collection_user_priority ON user_game_collection (user_id, priority) WHERE priority IS NOT NULL`,
  `CREATE INDEX idx_collection_user_acquired ON user_game_collection (user_id, acquired_at)`,
  `CREATE INDEX idx_collection_active ON user_game_collection (user_id, is_active)`,
  `CREATE INDEX idx_collection_platform_priority ON user_game_collection (user_id, platform, priority)`,
  `CREATE INDEX idx_collection_platform_acquired ON user_game_collection (user_id, platform, acquired_at)`,
  `CREATE INDEX idx_collection_active_platform ON user_game_collection (user_id, is_active, platform) WHERE is_active = true`,
  `CREATE INDEX idx_playthrough_user_id ON game_playthrough (user_id)`,
  `CREATE INDEX idx_playthrough_user_status ON game_playthrough (user_id, status)`,
  `CREATE INDEX idx_playthrough_user_platform ON game_playthrough (user_id, platform)`,
  `CREATE INDEX idx_playthrough_user_rating ON game_playthrough (user_id, rating) WHERE rating IS NOT NULL`,
  `CREATE INDEX idx_playthrough_user_completed ON game_playthrough (user_id, completed_at) WHERE completed_at IS NOT NULL`,
  `CREATE INDEX idx_playthrough_user_updated ON game_playthrough (user_id, updated_at)`,
  `CREATE INDEX idx_playthrough_game_user ON game_playthrough (game_id, user_id)`,
  `CREATE INDEX idx_playthrough_status_platform ON game_playthrough (user_id, status, platform)`,
  `CREATE INDEX idx_playthrough_status_rating ON game_playthrough (user_id, status, rating)`,
  `CREATE INDEX idx_playthrough_completed_rating ON game_playthrough (user_id, completed_at, rating) WHERE completed_at IS NOT NULL`,
];

/** Dropped in reverse order, as the seed does. */
const INDEXES_TO_DROP = [
  'idx_playthrough_completed_rating',
  'idx_playthrough_status_rating',
  'idx_playthrough_status_platform',
  'idx_playthrough_game_user',
  'idx_playthrough_user_updated',
  'idx_playthrough_user_completed',
  'idx_playthrough_user_rating',
  'idx_playthrough_user_platform',
  'idx_playthrough_user_status',
  'idx_playthrough_user_id',
  'idx_collection_active_platform',
  'idx_collection_platform_acquired',
  'idx_collection_platform_priority',
  'idx_collection_active',
  'idx_collection_user_acquired',
  'idx_collection_user_priority',
  'idx_collection_user_platform',
  'idx_collection_user_id',
  'idx_games_fulltext_search',
  'idx_games_created_at',
  'idx_games_release_date',
  'idx_games_title_search',
  'idx_games_igdb_id',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of CREATE_INDEXES) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of INDEXES_TO_DROP) await sql.raw(`DROP INDEX ${name}`).execute(db);
}
