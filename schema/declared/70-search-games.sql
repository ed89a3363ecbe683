-- Full-text search over games, one row per game; owned = the user has an active collection row
-- for it. LANGUAGE sql STABLE lets the planner inline it: the GIN index on games.search_vector
-- finds the matches and the owned subquery runs only for the rows kept by LIMIT.
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
$$;
