-- Search (revision 016, docs/search.md): games whose title has every word first, then those with
-- the words in the description only; within each, the most owned (search_class) first, then title
-- and id. The games are cut in that order into buckets of geometric size (game_search_buckets);
-- idx_games_search_keys indexes each game's words prefixed with its bucket, and search_games()
-- reads the buckets in order until it has enough games: exact order, bounded work.
CREATE TABLE game_search_buckets (
    bucket SMALLINT PRIMARY KEY,
    first_class SMALLINT NOT NULL,
    first_title VARCHAR(255) NOT NULL,
    first_id UUID NOT NULL
);

CREATE FUNCTION game_search_class(owners BIGINT)
RETURNS SMALLINT
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN owners IS NULL OR owners < 1 THEN 0
                ELSE length(ltrim(owners::bit(64)::text, '0')) END::smallint
$$;

CREATE FUNCTION game_owner_class(game UUID)
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

CREATE FUNCTION game_search_bucket(class SMALLINT, game_title VARCHAR, game_id UUID)
RETURNS SMALLINT
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(max(b.bucket), 0)::smallint
      FROM game_search_buckets b
     WHERE b.first_class > class
        OR (b.first_class = class AND (b.first_title, b.first_id) <= (game_title, game_id))
$$;

CREATE FUNCTION games_search_bucket_assign()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_bucket := game_search_bucket(NEW.search_class, NEW.title, NEW.id);
    RETURN NEW;
END;
$$;

CREATE TRIGGER assign_games_search_bucket
BEFORE INSERT OR UPDATE OF title, search_class ON games
FOR EACH ROW EXECUTE FUNCTION games_search_bucket_assign();

CREATE FUNCTION game_search_keys(bucket SMALLINT, title VARCHAR, search_vector TSVECTOR)
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

CREATE FUNCTION game_search_query(words TEXT[], prefix TEXT)
RETURNS TSQUERY
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.array_to_string(ARRAY(
        SELECT '''' || replace(replace(prefix || ':' || word, '\', '\\'), '''', '''''') || ''''
          FROM pg_catalog.unnest(words) AS word), ' & ')::tsquery
$$;

CREATE FUNCTION refresh_game_search_order(update_games BOOLEAN DEFAULT true)
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

COMMENT ON TABLE game_search_buckets IS 'The first game (in search order: search_class DESC, title, id) of each search bucket, written by refresh_game_search_order()';

-- No pending list (fastupdate off): a search scans the index once per bucket.
CREATE INDEX idx_games_search_keys ON games USING gin (game_search_keys(search_bucket, title, search_vector)) WITH (fastupdate = off);

-- One row per game; owned = the user has an active collection row for it. search_rank is
-- 100 x tier (2: title, 1: description) + search_class.
CREATE FUNCTION search_games(
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
$$;
