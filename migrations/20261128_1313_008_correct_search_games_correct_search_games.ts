/**
 * Correct search_games: one row per game, ranked on a stored tsvector.
 * Corrects SEED-NOTES item 4: the seed's search LEFT JOINs the collection, so a game the user owns
 * on several platforms comes back once per platform. Here owned = EXISTS an active collection row
 * of that user for that game, so each game appears once. Ranking reads games.search_vector, a
 * stored generated column (the seed's expression, computed once per write) with its GIN index,
 * instead of recomputing to_tsvector for every match. The signature, result columns and types and
 * the order (rank descending, then title; id breaks the remaining ties) are the seed's.
 * idx_games_search_vector replaces idx_games_fulltext_search (the same expression, now stored);
 * the seed's required idx_games_title_search stays.
 * Non-transactional, so that the GIN index is built and the old one dropped CONCURRENTLY. Adding a
 * stored generated column still rewrites games under an ACCESS EXCLUSIVE lock (the one exemption
 * in migrations/lint-exemptions.json, with its reason): games is the shared catalogue, written by
 * imports, not by users. Every step can run again, so an interrupted run is simply repeated.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '008_correct_search_games';
export const downRevision = '007_correct_user_game_stats';
export const message = 'Correct search_games';
export const createDate = '2026-11-28T13:13:00Z';
export const transactional = false;

/** Runs statements in one transaction of their own (this revision runs outside the runner's). */
async function inTransaction(db: Kysely<any>, statements: readonly string[]): Promise<void> {
  await sql.raw('BEGIN').execute(db);
  try {
    for (const statement of statements) await sql.raw(statement).execute(db);
    await sql.raw('COMMIT').execute(db);
  } catch (error) {
    await sql.raw('ROLLBACK').execute(db).catch(() => undefined);
    throw error;
  }
}

/*
 * LANGUAGE sql STABLE: the planner inlines the function into the caller's query, uses the GIN
 * index, and evaluates the owned subquery only for the rows that survive ORDER BY … LIMIT.
 */
const CREATE_SEARCH_FUNCTION = `
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
)
LANGUAGE sql
STABLE
AS $$
    SELECT g.id,
           g.title,
           g.cover_image_id,
           g.release_date,
           EXISTS (SELECT 1
                     FROM user_game_collection c
                    WHERE c.user_id = user_id_param
                      AND c.game_id = g.id
                      AND c.is_active) AS owned,
           ts_rank(g.search_vector, q.query) AS search_rank
      FROM games g,
           plainto_tsquery('english', search_query) AS q(query)
     WHERE g.search_vector @@ q.query
     ORDER BY search_rank DESC, g.title, g.id
     LIMIT limit_param
$$`;

export async function up(db: Kysely<any>): Promise<void> {
  await inTransaction(db, [
    `ALTER TABLE games ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED`,
    `COMMENT ON COLUMN games.search_vector IS 'Full-text vector of title and description (english), maintained by PostgreSQL; search_games() ranks on it'`,
  ]);
  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_search_vector ON games USING gin (search_vector)`.execute(db);
  await inTransaction(db, [CREATE_SEARCH_FUNCTION]);
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_fulltext_search`.execute(db);
}

/** The seed's search_games, text for text as 003 created it (pg_proc.prosrc keeps the text). */
const SEED_SEARCH_FUNCTION = `
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
    `;

/** Restores the seed's search_games and its expression index. */
export async function down(db: Kysely<any>): Promise<void> {
  await inTransaction(db, [SEED_SEARCH_FUNCTION]);
  await sql.raw(
    `CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_fulltext_search ON games USING gin (to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, '')))`,
  ).execute(db);
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_search_vector`.execute(db);
  await inTransaction(db, ['ALTER TABLE games DROP COLUMN IF EXISTS search_vector']);
}
