/**
 * Correct search_games: one row per game, ranked on a stored tsvector.
 * Corrects SEED-NOTES item 4: the seed's search LEFT JOINs the collection, so a game the user owns
 * on several platforms comes back once per platform. Here owned = EXISTS an active collection row
 * of that user for that game, so each game appears once. Ranking reads games.search_vector (the
 * seed's expression, computed once per write) with its GIN index, instead of recomputing
 * to_tsvector for every match. The signature, result columns and types and the order (rank
 * descending, then title; id breaks the remaining ties) are the seed's.
 * idx_games_search_vector replaces idx_games_fulltext_search (the same expression, now stored);
 * the seed's required idx_games_title_search stays.
 *
 * Online on a table that serves traffic, so non-transactional, each step committed on its own:
 *  1. a plain nullable column (a catalog change, no rewrite: a stored generated column would
 *     rewrite games under an ACCESS EXCLUSIVE lock) and the trigger that keeps it current for
 *     every row written from now on;
 *  2. the existing rows filled in batches of 1,000 (by id), each batch committed;
 *  3. its GIN index built CONCURRENTLY;
 *  4. search_games() switched to it;
 *  5. the seed's expression index dropped CONCURRENTLY.
 * Every step is safe to run again (the runner re-runs the whole revision after a crash or a lock
 * timeout, and first drops an INVALID index that an interrupted CONCURRENTLY build left).
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '008_correct_search_games';
export const downRevision = '007_correct_user_game_stats';
export const message = 'Correct search_games';
export const createDate = '2026-11-28T13:13:00Z';
export const transactional = false;

/** The seed's full-text expression (003's index), kept word for word. */
const SEARCH_VECTOR_OF = (row: string) => `to_tsvector('english', coalesce(${row}title, '') || ' ' || coalesce(${row}description, ''))`;

/*
 * Recomputed on every insert and on every update of title or description, like a generated column;
 * the batches below write the column directly and touch neither.
 */
const CREATE_SEARCH_VECTOR_FUNCTION = `
CREATE OR REPLACE FUNCTION games_search_vector_refresh()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector := ${SEARCH_VECTOR_OF('NEW.')};
    RETURN NEW;
END;
$$`;

/*
 * One DO statement that commits after each batch (PostgreSQL 11+ allows COMMIT in a DO block run
 * outside a transaction block), so it runs the same online and in offline SQL. Filling the column
 * is not an edit of the game: updated_at is kept by disabling its trigger inside each batch's
 * transaction (other sessions never see it disabled; their writes wait for that batch only).
 */
const BACKFILL_IN_BATCHES = `DO $backfill$
DECLARE
    lo uuid;
    hi uuid;
BEGIN
    SELECT id INTO lo FROM games ORDER BY id LIMIT 1;
    WHILE lo IS NOT NULL LOOP
        SELECT id INTO hi FROM (SELECT id FROM games WHERE id >= lo ORDER BY id LIMIT 1000) AS batch ORDER BY id DESC LIMIT 1;
        IF EXISTS (SELECT 1 FROM games WHERE id BETWEEN lo AND hi AND search_vector IS NULL) THEN
            ALTER TABLE games DISABLE TRIGGER update_games_updated_at;
            UPDATE games SET search_vector = ${SEARCH_VECTOR_OF('')} WHERE id BETWEEN lo AND hi AND search_vector IS NULL;
            ALTER TABLE games ENABLE TRIGGER update_games_updated_at;
        END IF;
        COMMIT;
        SELECT id INTO lo FROM games WHERE id > hi ORDER BY id LIMIT 1;
    END LOOP;
END
$backfill$`;

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
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE games ADD COLUMN IF NOT EXISTS search_vector tsvector`.execute(trx);
    await sql.raw(
      `COMMENT ON COLUMN games.search_vector IS 'Full-text vector of title and description (english), kept by the trigger update_games_search_vector; search_games() ranks on it'`,
    ).execute(trx);
    await sql.raw(CREATE_SEARCH_VECTOR_FUNCTION).execute(trx);
    await sql`CREATE OR REPLACE TRIGGER update_games_search_vector BEFORE INSERT OR UPDATE OF title, description ON games FOR EACH ROW EXECUTE FUNCTION games_search_vector_refresh()`.execute(trx);
  });
  await sql.raw(BACKFILL_IN_BATCHES).execute(db);
  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_search_vector ON games USING gin (search_vector)`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql.raw(CREATE_SEARCH_FUNCTION).execute(trx);
  });
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_fulltext_search`.execute(db);
}

/**
 * Restores the seed's expression index, its search_games (text for text as 003 created it), and
 * games without the column, its trigger and function; online too, and safe to run again.
 */
export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_fulltext_search ON games USING gin (${SEARCH_VECTOR_OF('')})`).execute(db);
  await db.transaction().execute(async (trx) => {
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
    `).execute(trx);
  });
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_search_vector`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`DROP TRIGGER IF EXISTS update_games_search_vector ON games`.execute(trx);
    await sql`DROP FUNCTION IF EXISTS games_search_vector_refresh()`.execute(trx);
    await sql`ALTER TABLE games DROP COLUMN IF EXISTS search_vector`.execute(trx);
  });
}
