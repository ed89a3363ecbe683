/**
 * Search by title and popularity, served by an index (issue 9, item 1).
 * search_games() ranked every match with ts_rank: a common phrase matches 30–54k of 1M games and
 * ts_rank read all of them (358–482 ms at p95). It now returns, in this order:
 *   1. games whose title has every word of the query, then games that have them only in the
 *      description (the "tier");
 *   2. within a tier, the most owned first: search_class is the bit length of the game's count of
 *      active owners (0 owners → 0, 1 → 1, 2–3 → 2, 4–7 → 3, …), a popularity class;
 *   3. then title, then id.
 * This key is exact, and an index serves it: the games are cut, in that order (search_class DESC,
 * title, id), into buckets of geometric size (256 games, 256, 512, 1024, …; search_bucket), and
 * the GIN index idx_games_search_keys holds each game's words prefixed with its bucket ('b3:dark',
 * and 't3:dark' for a title word). search_games() asks bucket 0, then 1, … for the next games in
 * order and stops at the limit: a common phrase is answered from the first, small buckets; a rare
 * one reads its few matches in each. Never more than a bucket's matches are sorted. The index has
 * no pending list (fastupdate off): a search reads it once per bucket.
 * search_rank is 100 × tier (2 for title, 1 for description) + search_class: ORDER BY
 * search_rank DESC, title, id still describes the order.
 * The popularity is stored, not live: refresh_game_search_order() recomputes the classes and the
 * bucket bounds (game_search_buckets) and writes only the games whose class or bucket changed; run
 * it as the schema owner (e.g. nightly, docs/search.md). A new game gets its bucket from the bounds
 * (trigger assign_games_search_bucket); a bucket's size drifts until the next refresh, its order
 * never does.
 * Online: the columns have constant defaults (no rewrite); the index is built CONCURRENTLY; the
 * classes of existing games are filled by a background migration (`play-later-db background run`),
 * in short batches. Until it finishes, the games not yet filled are class 0 in one bucket: the
 * results are right for the stored classes, and the search is as slow as before for them.
 * idx_games_search_vector, which only the old search_games() used, is dropped: the new index
 * serves every query on search_vector's words. Each step checks the catalog or uses IF [NOT]
 * EXISTS, so a re-run after a crash resumes where it stopped.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '016_search_by_popularity';
export const downRevision = '015_index_diet';
export const message = 'Search by title and popularity, served by an index';
export const createDate = '2026-12-03T05:00:00Z';
export const transactional = false;

/**
 * The existing games get their class in short batches, outside the deploy; the trigger sets the
 * bucket (a game with no owner keeps class 0 but still needs its bucket).
 */
export const background = [
  {
    name: 'games_search_class',
    table: 'games',
    keyColumns: ['id'],
    set: 'search_class = game_owner_class(t.id)',
    where: 't.search_class <> game_owner_class(t.id) OR t.search_bucket <> game_search_bucket(t.search_class, t.title, t.id)',
    batchSize: 1000,
  },
];

const SCHEMA = `
ALTER TABLE games
    ADD COLUMN IF NOT EXISTS search_class SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS search_bucket SMALLINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS game_search_buckets (
    bucket SMALLINT PRIMARY KEY,
    first_class SMALLINT NOT NULL,
    first_title VARCHAR(255) NOT NULL,
    first_id UUID NOT NULL
);

CREATE OR REPLACE FUNCTION game_search_class(owners BIGINT)
RETURNS SMALLINT
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN owners IS NULL OR owners < 1 THEN 0
                ELSE length(ltrim(owners::bit(64)::text, '0')) END::smallint
$$;

CREATE OR REPLACE FUNCTION game_owner_class(game UUID)
RETURNS SMALLINT
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT game_search_class(count(DISTINCT c.user_id))
      FROM user_game_collection c
     WHERE c.game_id = game AND c.is_active
$$;

CREATE OR REPLACE FUNCTION game_search_bucket(class SMALLINT, game_title VARCHAR, game_id UUID)
RETURNS SMALLINT
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(max(b.bucket), 0)::smallint
      FROM game_search_buckets b
     WHERE b.first_class > class
        OR (b.first_class = class AND (b.first_title, b.first_id) <= (game_title, game_id))
$$;

CREATE OR REPLACE FUNCTION games_search_bucket_assign()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_bucket := game_search_bucket(NEW.search_class, NEW.title, NEW.id);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER assign_games_search_bucket
BEFORE INSERT OR UPDATE OF title, search_class ON games
FOR EACH ROW EXECUTE FUNCTION games_search_bucket_assign();

CREATE OR REPLACE FUNCTION game_search_keys(bucket SMALLINT, title VARCHAR, search_vector TSVECTOR)
RETURNS TSVECTOR
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.array_to_tsvector(ARRAY(
        SELECT 'b' || bucket || ':' || word FROM pg_catalog.unnest(pg_catalog.tsvector_to_array(search_vector)) AS word
        UNION ALL
        SELECT 't' || bucket || ':' || word
          FROM pg_catalog.unnest(pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('pg_catalog.english', coalesce(title, '')))) AS word))
$$;

CREATE OR REPLACE FUNCTION game_search_query(words TEXT[], prefix TEXT)
RETURNS TSQUERY
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.array_to_string(ARRAY(
        SELECT '''' || replace(replace(prefix || ':' || word, '\\', '\\\\'), '''', '''''') || ''''
          FROM pg_catalog.unnest(words) AS word), ' & ')::tsquery
$$;

CREATE OR REPLACE FUNCTION refresh_game_search_order(update_games BOOLEAN DEFAULT true)
RETURNS BIGINT
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    changed BIGINT := 0;
BEGIN
    -- One refresh at a time: two would write the bounds and the rows in different orders.
    PERFORM pg_advisory_xact_lock(hashtext('refresh_game_search_order'));
    DROP TABLE IF EXISTS pg_temp.game_search_order;
    CREATE TEMP TABLE game_search_order ON COMMIT DROP AS
    WITH owners AS (
        SELECT c.game_id, count(DISTINCT c.user_id) AS n
          FROM user_game_collection c
         WHERE c.is_active
         GROUP BY c.game_id
    ), classed AS (
        SELECT g.id, g.title, game_search_class(o.n) AS class
          FROM games g LEFT JOIN owners o ON o.game_id = g.id
    ), ranked AS (
        SELECT id, title, class, row_number() OVER (ORDER BY class DESC, title, id) - 1 AS position
          FROM classed
    )
    SELECT id, title, class,
           game_search_class(position / 256) AS bucket,
           position
      FROM ranked;
    DELETE FROM game_search_buckets;
    INSERT INTO game_search_buckets (bucket, first_class, first_title, first_id)
    SELECT DISTINCT ON (bucket) bucket, class, title, id
      FROM game_search_order
     ORDER BY bucket, position;
    IF update_games THEN
        UPDATE games g
           SET search_class = o.class, search_bucket = o.bucket
          FROM game_search_order o
         WHERE g.id = o.id AND (g.search_class, g.search_bucket) IS DISTINCT FROM (o.class, o.bucket);
        GET DIAGNOSTICS changed = ROW_COUNT;
    END IF;
    RETURN changed;
END;
$$;
`;

const SEARCH_FUNCTION = `
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
LANGUAGE plpgsql
STABLE
-- One plan per statement for the session: the bucket queries differ only in their parameters, and
-- planning each (a custom plan) cost more than running it (measured: docs/search.md).
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    -- The words plainto_tsquery('english', search_query) would AND together.
    words TEXT[] := tsvector_to_array(to_tsvector('english', coalesce(search_query, '')));
    last_bucket SMALLINT;
    wanted INTEGER := greatest(coalesce(limit_param, 20), 0);
    found UUID[] := '{}';
    tiers SMALLINT[] := '{}';
    batch UUID[];
    bucket_query TSQUERY;
    -- The same words unprefixed: is a game of the second tier's bucket a title match (first tier)?
    title_query TSQUERY := plainto_tsquery('english', coalesce(search_query, ''));
BEGIN
    IF cardinality(words) = 0 OR wanted = 0 THEN
        RETURN;
    END IF;
    -- Every game's bucket comes from these bounds (trigger, refresh), so none is past the last one.
    SELECT coalesce(max(b.bucket), 0) INTO last_bucket FROM game_search_buckets b;
    -- Tier 2: every word in the title; tier 1: in the title and description together only.
    FOR tier IN REVERSE 2..1 LOOP
        FOR bucket IN 0..last_bucket LOOP
            EXIT WHEN cardinality(found) >= wanted;
            bucket_query := game_search_query(words, CASE WHEN tier = 2 THEN 't' ELSE 'b' END || bucket);
            IF tier = 2 THEN
                SELECT array_agg(m.id ORDER BY m.search_class DESC, m.title, m.id) INTO batch
                  FROM (SELECT g.id, g.search_class, g.title
                          FROM games g
                         WHERE game_search_keys(g.search_bucket, g.title, g.search_vector) @@ bucket_query
                         ORDER BY g.search_class DESC, g.title, g.id
                         LIMIT wanted - cardinality(found)) AS m;
            ELSE
                SELECT array_agg(m.id ORDER BY m.search_class DESC, m.title, m.id) INTO batch
                  FROM (SELECT g.id, g.search_class, g.title
                          FROM games g
                         WHERE game_search_keys(g.search_bucket, g.title, g.search_vector) @@ bucket_query
                           AND NOT to_tsvector('english', g.title) @@ title_query
                         ORDER BY g.search_class DESC, g.title, g.id
                         LIMIT wanted - cardinality(found)) AS m;
            END IF;
            IF batch IS NOT NULL THEN
                found := found || batch;
                tiers := tiers || array_fill(tier::smallint, ARRAY[cardinality(batch)]);
            END IF;
        END LOOP;
    END LOOP;
    RETURN QUERY
    SELECT g.id,
           g.title,
           g.cover_image_id,
           g.release_date,
           EXISTS (SELECT 1
                     FROM user_game_collection c
                    WHERE c.user_id = user_id_param
                      AND c.game_id = g.id
                      AND c.is_active),
           (100 * f.tier + g.search_class)::real
      FROM unnest(found, tiers) WITH ORDINALITY AS f(id, tier, position)
      JOIN games g ON g.id = f.id
     ORDER BY f.position;
END;
$$`;

/** The seed's definition (revision 008), for down(). */
const RANKED_SEARCH_FUNCTION = `
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
  // In a transaction, so that the runner's SET LOCAL ROLE (the owner, revision 013) applies through a pooler too.
  await db.transaction().execute(async (trx) => {
    await sql.raw(SCHEMA).execute(trx);
    // Maintenance, not the app: the refresh reads every user's collection (as the owner).
    await sql.raw(`REVOKE EXECUTE ON FUNCTION refresh_game_search_order(boolean), game_owner_class(uuid) FROM PUBLIC`).execute(trx);
    await sql.raw(`DO $$
DECLARE
    app_role TEXT := COALESCE(NULLIF(current_setting('play_later.app_role', true), ''), 'play_later_app');
    readonly_role TEXT := COALESCE(NULLIF(current_setting('play_later.readonly_role', true), ''), 'play_later_readonly');
BEGIN
    -- The read-only role may run search_games (revision 013), so it needs what search_games calls.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = readonly_role) THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION game_search_keys(smallint, varchar, tsvector), game_search_query(text[], text) TO %I', readonly_role);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
        EXECUTE format('REVOKE EXECUTE ON FUNCTION refresh_game_search_order(boolean), game_owner_class(uuid) FROM %I', app_role);
        -- The app reads the bounds (its inserts' trigger does); only the refresh writes them.
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE game_search_buckets FROM %I', app_role);
    END IF;
END
$$`).execute(trx);
    await sql.raw(
      `COMMENT ON COLUMN games.search_class IS 'Popularity class for search_games(): the bit length of the count of active owners, set by refresh_game_search_order()'`,
    ).execute(trx);
    await sql.raw(
      `COMMENT ON COLUMN games.search_bucket IS 'Which of game_search_buckets holds the game in search order (search_class DESC, title, id); kept by the trigger assign_games_search_bucket'`,
    ).execute(trx);
    await sql.raw(
      `COMMENT ON TABLE game_search_buckets IS 'The first game (in search order: search_class DESC, title, id) of each search bucket, written by refresh_game_search_order()'`,
    ).execute(trx);
    // The bounds from the live counts, so that the background fill puts each game in its bucket.
    await sql`SELECT refresh_game_search_order(false)`.execute(trx);
  });
  // fastupdate off: a search scans the index once per bucket, and would scan a pending list of up
  // to 4 MB each time (measured: p50 3.8 ms instead of 0.7 after 20,000 inserts; docs/search.md).
  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_search_keys ON games USING gin (game_search_keys(search_bucket, title, search_vector)) WITH (fastupdate = off)`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql.raw(SEARCH_FUNCTION).execute(trx);
  });
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_search_vector`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_search_vector ON games USING gin (search_vector)`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql.raw(RANKED_SEARCH_FUNCTION).execute(trx);
  });
  await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_games_search_keys`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql.raw(`DROP TRIGGER IF EXISTS assign_games_search_bucket ON games;
DROP FUNCTION IF EXISTS games_search_bucket_assign();
DROP FUNCTION IF EXISTS refresh_game_search_order(boolean);
DROP FUNCTION IF EXISTS game_search_bucket(smallint, varchar, uuid);
DROP FUNCTION IF EXISTS game_owner_class(uuid);
DROP FUNCTION IF EXISTS game_search_keys(smallint, varchar, tsvector);
DROP FUNCTION IF EXISTS game_search_query(text[], text);
DROP FUNCTION IF EXISTS game_search_class(bigint);
DROP TABLE IF EXISTS game_search_buckets;
ALTER TABLE games DROP COLUMN IF EXISTS search_bucket, DROP COLUMN IF EXISTS search_class;`).execute(trx);
  });
}
