-- The game catalogue (IGDB, HowLongToBeat and Steam ids), shared by every user.
CREATE TABLE games (
    id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
    igdb_id INTEGER UNIQUE, -- games_igdb_id_key: the conflict target of the games upsert
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
    -- Kept by the trigger below (a stored generated column would rewrite the table when added).
    search_vector TSVECTOR,
    -- Search order (revision 016, docs/search.md): popularity class and bucket, kept by
    -- refresh_game_search_order() and the trigger assign_games_search_bucket.
    search_class SMALLINT NOT NULL DEFAULT 0,
    search_bucket SMALLINT NOT NULL DEFAULT 0
);
COMMENT ON COLUMN games.cover_image_id IS 'IGDB image ID like co2lbd';
COMMENT ON COLUMN games.main_story IS 'HLTB main story hours';
COMMENT ON COLUMN games.main_extra IS 'HLTB main + extras hours';
COMMENT ON COLUMN games.completionist IS 'HLTB completionist hours';
COMMENT ON COLUMN games.search_vector IS 'Full-text vector of title and description (english), kept by the trigger update_games_search_vector; search_games() ranks on it';
COMMENT ON COLUMN games.search_class IS 'Popularity class for search_games(): the bit length of the count of active owners, set by refresh_game_search_order()';
COMMENT ON COLUMN games.search_bucket IS 'Which of game_search_buckets holds the game in search order (search_class DESC, title, id); kept by the trigger assign_games_search_bucket';

CREATE INDEX idx_games_title_search ON games USING gin (to_tsvector('english', title));
CREATE INDEX idx_games_release_date ON games (release_date);
CREATE INDEX idx_games_created_at ON games (created_at);

CREATE TRIGGER update_games_updated_at
BEFORE UPDATE ON games
FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE FUNCTION games_search_vector_refresh()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector := to_tsvector('english', coalesce(NEW.title, '') || ' ' || coalesce(NEW.description, ''));
    RETURN NEW;
END;
$$;

CREATE TRIGGER update_games_search_vector
BEFORE INSERT OR UPDATE OF title, description ON games
FOR EACH ROW EXECUTE FUNCTION games_search_vector_refresh();
