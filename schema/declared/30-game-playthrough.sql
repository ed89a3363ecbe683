-- Each time a user plays a game; optionally linked to one of that user's collection rows.
CREATE TABLE game_playthrough (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    game_id UUID NOT NULL REFERENCES games (id) ON DELETE CASCADE,
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
    -- user_id first: Citus needs the distribution column in every key (docs/scale-out.md).
    CONSTRAINT game_playthrough_pkey PRIMARY KEY (user_id, id),
    -- A link can only point to a collection row of the same user and game. Deleting that row
    -- clears collection_id alone, by the trigger unlink_playthroughs_before_collection_delete:
    -- Citus refuses ON DELETE SET NULL on a key that includes the distribution column.
    CONSTRAINT fk_playthrough_collection_same_owner FOREIGN KEY (collection_id, user_id, game_id)
        REFERENCES user_game_collection (id, user_id, game_id),
    CONSTRAINT ck_playthrough_status CHECK (status IN ('PLANNING', 'PLAYING', 'COMPLETED', 'DROPPED', 'ON_HOLD', 'MASTERED')),
    CONSTRAINT ck_rating_range CHECK (rating IS NULL OR (rating >= 1 AND rating <= 10)),
    CONSTRAINT ck_positive_play_time CHECK (play_time_hours IS NULL OR play_time_hours >= 0),
    CONSTRAINT ck_completion_date_logic CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at > started_at)
);
COMMENT ON COLUMN game_playthrough.user_id IS 'AWS Cognito sub';
COMMENT ON COLUMN game_playthrough.collection_id IS 'Optional link to collection';
COMMENT ON COLUMN game_playthrough.playthrough_type IS 'First Run, NG+, Speedrun, etc.';

CREATE INDEX idx_playthrough_user_id ON game_playthrough (user_id);
CREATE INDEX idx_playthrough_user_status ON game_playthrough (user_id, status);
CREATE INDEX idx_playthrough_user_updated ON game_playthrough (user_id, updated_at);
-- Also serves the tenant-safe foreign key when a collection row is deleted.
CREATE INDEX idx_playthrough_game_user ON game_playthrough (game_id, user_id);

CREATE TRIGGER update_playthrough_updated_at
BEFORE UPDATE ON game_playthrough
FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE FUNCTION unlink_playthroughs_of_collection_row()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE game_playthrough
       SET collection_id = NULL
     WHERE user_id = OLD.user_id AND collection_id = OLD.id;
    RETURN OLD;
END;
$$;

CREATE TRIGGER unlink_playthroughs_before_collection_delete
BEFORE DELETE ON user_game_collection
FOR EACH ROW EXECUTE FUNCTION unlink_playthroughs_of_collection_row();
