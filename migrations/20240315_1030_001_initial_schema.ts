/**
 * Initial schema setup: games, user_game_collection, game_playthrough.
 * Frozen: reproduces the seed's 001_initial_schema exactly (see ../../shared/SEED-NOTES.md).
 */
import { sql, type Kysely } from 'kysely';

export const revision = '001_initial_schema';
export const downRevision = null;
export const message = 'Initial schema setup';
export const createDate = '2024-03-15T10:30:00Z';

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`CREATE TABLE games (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    igdb_id INTEGER,
    hltb_id INTEGER,
    steam_app_id INTEGER,
    title VARCHAR(255) NOT NULL,
    description TEXT,
    cover_image_id VARCHAR(50),
    release_date DATE,
    main_story INTEGER,
    main_extra INTEGER,
    completionist INTEGER,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE (igdb_id)
)`).execute(db);
  await sql.raw(`COMMENT ON COLUMN games.cover_image_id IS 'IGDB image ID like co2lbd'`).execute(db);
  await sql.raw(`COMMENT ON COLUMN games.main_story IS 'HLTB main story hours'`).execute(db);
  await sql.raw(`COMMENT ON COLUMN games.main_extra IS 'HLTB main + extras hours'`).execute(db);
  await sql.raw(`COMMENT ON COLUMN games.completionist IS 'HLTB completionist hours'`).execute(db);

  await sql.raw(`CREATE TABLE user_game_collection (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    game_id UUID NOT NULL,
    platform VARCHAR(50) NOT NULL,
    acquisition_type VARCHAR(20) NOT NULL,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL,
    priority INTEGER,
    is_active BOOLEAN,
    notes TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    FOREIGN KEY(game_id) REFERENCES games (id) ON DELETE CASCADE,
    CONSTRAINT uq_user_game_platform UNIQUE (user_id, game_id, platform),
    CONSTRAINT ck_acquisition_type CHECK (acquisition_type IN ('PHYSICAL', 'DIGITAL', 'SUBSCRIPTION', 'BORROWED', 'RENTAL')),
    CONSTRAINT ck_priority_range CHECK (priority >= 1 AND priority <= 5),
    CONSTRAINT ck_acquired_not_future CHECK (acquired_at <= CURRENT_TIMESTAMP)
)`).execute(db);
  await sql.raw(`COMMENT ON COLUMN user_game_collection.user_id IS 'AWS Cognito sub'`).execute(db);
  await sql.raw(`COMMENT ON COLUMN user_game_collection.is_active IS 'Soft delete flag'`).execute(db);

  await sql.raw(`CREATE TABLE game_playthrough (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    game_id UUID NOT NULL,
    collection_id UUID,
    status VARCHAR(20) NOT NULL,
    platform VARCHAR(50) NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE,
    completed_at TIMESTAMP WITH TIME ZONE,
    play_time_hours NUMERIC(8, 2),
    playthrough_type VARCHAR(100),
    difficulty VARCHAR(50),
    rating INTEGER,
    notes TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    FOREIGN KEY(game_id) REFERENCES games (id) ON DELETE CASCADE,
    FOREIGN KEY(collection_id) REFERENCES user_game_collection (id) ON DELETE SET NULL,
    CONSTRAINT ck_playthrough_status CHECK (status IN ('PLANNING', 'PLAYING', 'COMPLETED', 'DROPPED', 'ON_HOLD', 'MASTERED')),
    CONSTRAINT ck_rating_range CHECK (rating IS NULL OR (rating >= 1 AND rating <= 10)),
    CONSTRAINT ck_positive_play_time CHECK (play_time_hours IS NULL OR play_time_hours >= 0),
    CONSTRAINT ck_completion_date_logic CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at > started_at)
)`).execute(db);
  await sql.raw(`COMMENT ON COLUMN game_playthrough.user_id IS 'AWS Cognito sub'`).execute(db);
  await sql.raw(`COMMENT ON COLUMN game_playthrough.collection_id IS 'Optional link to collection'`).execute(db);
  await sql.raw(`COMMENT ON COLUMN game_playthrough.playthrough_type IS 'First Run, NG+, Speedrun, etc.'`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`DROP TABLE game_playthrough`).execute(db);
  await sql.raw(`DROP TABLE user_game_collection`).execute(db);
  await sql.raw(`DROP TABLE games`).execute(db);
}
