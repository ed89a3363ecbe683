/**
 * Add database views for common query patterns.
 * Frozen: reproduces the seed's 005_add_database_views exactly (see ../../shared/SEED-NOTES.md). The SQL strings are
 * the seed's own, byte for byte: function bodies keep their text in pg_proc.prosrc.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '005_add_database_views';
export const downRevision = '004_add_session_management';
export const message = 'Add database views for common query patterns';
export const createDate = '2024-03-15T12:30:00Z';

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`
        CREATE VIEW active_collection AS
        SELECT 
            c.id,
            c.user_id,
            c.game_id,
            g.title,
            g.cover_image_id,
            g.release_date,
            g.main_story,
            g.main_extra,
            g.completionist,
            c.platform,
            c.acquisition_type,
            c.acquired_at,
            c.priority,
            c.notes,
            c.created_at,
            c.updated_at
        FROM user_game_collection c
        JOIN games g ON c.game_id = g.id
        WHERE c.is_active = TRUE;
    `).execute(db);
  await sql.raw(`
        CREATE VIEW playthrough_summary AS
        SELECT 
            p.id,
            p.user_id,
            p.game_id,
            g.title,
            g.cover_image_id,
            g.main_story,
            g.main_extra,
            g.completionist,
            p.status,
            p.platform,
            p.started_at,
            p.completed_at,
            p.play_time_hours,
            p.playthrough_type,
            p.difficulty,
            p.rating,
            p.notes,
            p.created_at,
            p.updated_at,
            -- Calculated fields
            CASE 
                WHEN p.completed_at IS NOT NULL AND p.started_at IS NOT NULL 
                THEN p.completed_at - p.started_at 
                ELSE NULL 
            END AS duration,
            CASE
                WHEN p.play_time_hours IS NOT NULL AND g.main_story IS NOT NULL AND g.main_story > 0
                THEN ROUND((p.play_time_hours / g.main_story) * 100, 1)
                ELSE NULL
            END AS completion_percentage
        FROM game_playthrough p
        JOIN games g ON p.game_id = g.id;
    `).execute(db);
  await sql.raw(`
        CREATE MATERIALIZED VIEW user_game_stats AS
        SELECT 
            COALESCE(c.user_id, p.user_id) as user_id,
            -- Collection stats
            COUNT(DISTINCT c.id) FILTER (WHERE c.is_active = TRUE) as total_games,
            COUNT(DISTINCT c.id) FILTER (WHERE c.platform = 'PS5' AND c.is_active = TRUE) as ps5_games,
            COUNT(DISTINCT c.id) FILTER (WHERE c.platform = 'Steam' AND c.is_active = TRUE) as steam_games,
            COUNT(DISTINCT c.id) FILTER (WHERE c.platform = 'Xbox' AND c.is_active = TRUE) as xbox_games,
            COUNT(DISTINCT c.id) FILTER (WHERE c.platform = 'Switch' AND c.is_active = TRUE) as switch_games,
            
            -- Playthrough stats
            COUNT(DISTINCT p.id) as total_playthroughs,
            COUNT(DISTINCT p.id) FILTER (WHERE p.status = 'COMPLETED') as completed_games,
            COUNT(DISTINCT p.id) FILTER (WHERE p.status = 'PLAYING') as currently_playing,
            COUNT(DISTINCT p.id) FILTER (WHERE p.status = 'PLANNING') as backlog_size,
            
            -- Time and rating stats
            COALESCE(SUM(p.play_time_hours) FILTER (WHERE p.status = 'COMPLETED'), 0) as total_hours,
            ROUND(AVG(p.rating) FILTER (WHERE p.rating IS NOT NULL), 1) as average_rating,
            ROUND(AVG(p.play_time_hours) FILTER (WHERE p.status = 'COMPLETED' AND p.play_time_hours IS NOT NULL), 1) as avg_completion_time,
            
            -- Completion rate
            CASE 
                WHEN COUNT(DISTINCT p.id) > 0 
                THEN ROUND((COUNT(DISTINCT p.id) FILTER (WHERE p.status = 'COMPLETED')::DECIMAL / COUNT(DISTINCT p.id)) * 100, 1)
                ELSE 0 
            END as completion_rate_percent,
            
            -- Last activity
            MAX(p.updated_at) as last_activity
        FROM user_game_collection c
        FULL OUTER JOIN game_playthrough p ON c.user_id = p.user_id
        WHERE c.user_id IS NOT NULL OR p.user_id IS NOT NULL
        GROUP BY COALESCE(c.user_id, p.user_id);
    `).execute(db);
  await sql.raw(`CREATE UNIQUE INDEX idx_user_stats_user_id ON user_game_stats (user_id)`).execute(db);
  await sql.raw(`
        CREATE OR REPLACE FUNCTION refresh_user_stats(target_user_id VARCHAR(255) DEFAULT NULL)
        RETURNS VOID AS $$
        BEGIN
            IF target_user_id IS NOT NULL THEN
                -- Refresh stats for specific user (not supported in standard PostgreSQL)
                REFRESH MATERIALIZED VIEW CONCURRENTLY user_game_stats;
            ELSE
                -- Refresh all stats
                REFRESH MATERIALIZED VIEW CONCURRENTLY user_game_stats;
            END IF;
        END;
        $$ LANGUAGE plpgsql;
    `).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`DROP FUNCTION IF EXISTS refresh_user_stats(VARCHAR(255));`).execute(db);
  await sql.raw(`DROP MATERIALIZED VIEW IF EXISTS user_game_stats;`).execute(db);
  await sql.raw(`DROP VIEW IF EXISTS playthrough_summary;`).execute(db);
  await sql.raw(`DROP VIEW IF EXISTS active_collection;`).execute(db);
}
