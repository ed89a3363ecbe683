-- Per-user stats: a table kept by refresh_user_stats(), not a view (docs/seed-notes.md items 2 and 3).
-- Nothing refreshes it automatically: the data layer calls refresh_user_stats(user) in the
-- transaction that writes that user's collection or playthroughs.
CREATE TABLE user_game_stats (
    user_id VARCHAR(255) NOT NULL,
    total_games BIGINT NOT NULL,
    ps5_games BIGINT NOT NULL,
    steam_games BIGINT NOT NULL,
    xbox_games BIGINT NOT NULL,
    switch_games BIGINT NOT NULL,
    total_playthroughs BIGINT NOT NULL,
    completed_games BIGINT NOT NULL,
    currently_playing BIGINT NOT NULL,
    backlog_size BIGINT NOT NULL,
    total_hours NUMERIC NOT NULL,
    average_rating NUMERIC,
    avg_completion_time NUMERIC,
    completion_rate_percent NUMERIC NOT NULL,
    last_activity TIMESTAMP WITH TIME ZONE,
    -- Named like the seed's unique index on its materialized view.
    CONSTRAINT idx_user_stats_user_id PRIMARY KEY (user_id)
);
COMMENT ON TABLE user_game_stats IS 'Per-user stats, kept by refresh_user_stats(user_id): call it in the transaction that writes that user''s collection or playthroughs (nothing refreshes it automatically); refresh_user_stats() recomputes every user.';

-- Collection and playthroughs are aggregated separately per user, then joined. force_custom_plan
-- plans each call with its argument, so one user's refresh is an index scan on user_id. A per-user
-- refresh serializes with others for the same user (advisory lock); the full one blocks writers
-- of the stats, not readers. Unchanged rows are not rewritten.
CREATE FUNCTION refresh_user_stats(target_user_id VARCHAR(255) DEFAULT NULL)
RETURNS VOID
LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    IF target_user_id IS NULL THEN
        LOCK TABLE user_game_stats IN SHARE ROW EXCLUSIVE MODE;
    ELSE
        PERFORM pg_advisory_xact_lock(hashtext('user_game_stats'), hashtext(target_user_id));
    END IF;

    INSERT INTO user_game_stats AS s
    SELECT COALESCE(c.user_id, p.user_id),
           COALESCE(c.total_games, 0),
           COALESCE(c.ps5_games, 0),
           COALESCE(c.steam_games, 0),
           COALESCE(c.xbox_games, 0),
           COALESCE(c.switch_games, 0),
           COALESCE(p.total_playthroughs, 0),
           COALESCE(p.completed_games, 0),
           COALESCE(p.currently_playing, 0),
           COALESCE(p.backlog_size, 0),
           COALESCE(p.total_hours, 0),
           p.average_rating,
           p.avg_completion_time,
           CASE WHEN p.total_playthroughs > 0
                THEN ROUND((p.completed_games::DECIMAL / p.total_playthroughs) * 100, 1)
                ELSE 0
           END,
           p.last_activity
      FROM (SELECT user_id,
                   COUNT(*) FILTER (WHERE is_active) AS total_games,
                   COUNT(*) FILTER (WHERE is_active AND platform = 'PS5') AS ps5_games,
                   COUNT(*) FILTER (WHERE is_active AND platform = 'Steam') AS steam_games,
                   COUNT(*) FILTER (WHERE is_active AND platform = 'Xbox') AS xbox_games,
                   COUNT(*) FILTER (WHERE is_active AND platform = 'Switch') AS switch_games
              FROM user_game_collection
             WHERE target_user_id IS NULL OR user_id = target_user_id
             GROUP BY user_id) c
      FULL JOIN
           (SELECT user_id,
                   COUNT(*) AS total_playthroughs,
                   COUNT(*) FILTER (WHERE status = 'COMPLETED') AS completed_games,
                   COUNT(*) FILTER (WHERE status = 'PLAYING') AS currently_playing,
                   COUNT(*) FILTER (WHERE status = 'PLANNING') AS backlog_size,
                   SUM(play_time_hours) FILTER (WHERE status = 'COMPLETED') AS total_hours,
                   ROUND(AVG(rating), 1) AS average_rating,
                   ROUND(AVG(play_time_hours) FILTER (WHERE status = 'COMPLETED'), 1) AS avg_completion_time,
                   MAX(updated_at) AS last_activity
              FROM game_playthrough
             WHERE target_user_id IS NULL OR user_id = target_user_id
             GROUP BY user_id) p
        ON p.user_id = c.user_id
    ON CONFLICT (user_id) DO UPDATE
       SET (total_games, ps5_games, steam_games, xbox_games, switch_games, total_playthroughs, completed_games,
            currently_playing, backlog_size, total_hours, average_rating, avg_completion_time,
            completion_rate_percent, last_activity)
         = (EXCLUDED.total_games, EXCLUDED.ps5_games, EXCLUDED.steam_games, EXCLUDED.xbox_games, EXCLUDED.switch_games,
            EXCLUDED.total_playthroughs, EXCLUDED.completed_games, EXCLUDED.currently_playing, EXCLUDED.backlog_size,
            EXCLUDED.total_hours, EXCLUDED.average_rating, EXCLUDED.avg_completion_time,
            EXCLUDED.completion_rate_percent, EXCLUDED.last_activity)
     WHERE s IS DISTINCT FROM EXCLUDED;

    DELETE FROM user_game_stats s
     WHERE (target_user_id IS NULL OR s.user_id = target_user_id)
       AND NOT EXISTS (SELECT 1 FROM user_game_collection c WHERE c.user_id = s.user_id)
       AND NOT EXISTS (SELECT 1 FROM game_playthrough p WHERE p.user_id = s.user_id);
END;
$$;
COMMENT ON FUNCTION refresh_user_stats(VARCHAR) IS 'Recomputes user_game_stats for one user (that user''s row only), or for every user when called without an argument.';
