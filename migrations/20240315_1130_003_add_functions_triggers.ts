/**
 * Add database functions and triggers.
 * Frozen: reproduces the seed's 003_add_functions_triggers exactly (see ../../shared/SEED-NOTES.md). The SQL strings are
 * the seed's own, byte for byte: function bodies keep their text in pg_proc.prosrc.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '003_add_functions_triggers';
export const downRevision = '002_add_performance_indexes';
export const message = 'Add database functions and triggers';
export const createDate = '2024-03-15T11:30:00Z';

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`
        CREATE OR REPLACE FUNCTION update_updated_at_column()
        RETURNS TRIGGER AS $$
        BEGIN
            NEW.updated_at = CURRENT_TIMESTAMP;
            RETURN NEW;
        END;
        $$ language 'plpgsql';
    `).execute(db);
  await sql.raw(`
        CREATE TRIGGER update_games_updated_at 
        BEFORE UPDATE ON games 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    `).execute(db);
  await sql.raw(`
        CREATE TRIGGER update_collection_updated_at 
        BEFORE UPDATE ON user_game_collection 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    `).execute(db);
  await sql.raw(`
        CREATE TRIGGER update_playthrough_updated_at 
        BEFORE UPDATE ON game_playthrough 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    `).execute(db);
  await sql.raw(`
        CREATE OR REPLACE FUNCTION search_games(
            search_query TEXT,
            user_id_param VARCHAR(255) DEFAULT NULL,
            limit_param INTEGER DEFAULT 20
        )
        RETURNS TABLE(
            id UUID,
            title VARCHAR(255),
            cover_image_id VARCHAR(50),
            release_date DATE,
            owned BOOLEAN,
            search_rank REAL
        ) AS $$
        BEGIN
            RETURN QUERY
            SELECT 
                g.id,
                g.title,
                g.cover_image_id,
                g.release_date,
                (c.id IS NOT NULL) as owned,
                ts_rank(
                    to_tsvector('english', coalesce(g.title, '') || ' ' || coalesce(g.description, '')),
                    plainto_tsquery('english', search_query)
                ) as search_rank
            FROM games g
            LEFT JOIN user_game_collection c ON g.id = c.game_id 
                AND c.user_id = user_id_param 
                AND c.is_active = TRUE
            WHERE to_tsvector('english', coalesce(g.title, '') || ' ' || coalesce(g.description, ''))
                @@ plainto_tsquery('english', search_query)
            ORDER BY search_rank DESC, g.title
            LIMIT limit_param;
        END;
        $$ LANGUAGE plpgsql;
    `).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`DROP FUNCTION IF EXISTS search_games(TEXT, VARCHAR(255), INTEGER);`).execute(db);
  await sql.raw(`DROP TRIGGER IF EXISTS update_playthrough_updated_at ON game_playthrough;`).execute(db);
  await sql.raw(`DROP TRIGGER IF EXISTS update_collection_updated_at ON user_game_collection;`).execute(db);
  await sql.raw(`DROP TRIGGER IF EXISTS update_games_updated_at ON games;`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS update_updated_at_column();`).execute(db);
}
