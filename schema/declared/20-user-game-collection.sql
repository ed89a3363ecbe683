-- What each user owns, on which platform. Rows are soft-deleted (is_active = false).
CREATE TABLE user_game_collection (
    id UUID DEFAULT gen_random_uuid() NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    game_id UUID NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL,
    acquisition_type VARCHAR(20) NOT NULL,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL,
    priority INTEGER,
    is_active BOOLEAN DEFAULT true NOT NULL,
    notes TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    -- user_id first: Citus needs the distribution column in every key (docs/scale-out.md).
    CONSTRAINT user_game_collection_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT uq_user_game_platform UNIQUE (user_id, game_id, platform),
    -- The target of game_playthrough's tenant-safe foreign key.
    CONSTRAINT uq_collection_id_user_game UNIQUE (id, user_id, game_id),
    CONSTRAINT ck_acquisition_type CHECK (acquisition_type IN ('PHYSICAL', 'DIGITAL', 'SUBSCRIPTION', 'BORROWED', 'RENTAL')),
    CONSTRAINT ck_priority_range CHECK (priority >= 1 AND priority <= 5),
    -- Checked only when a row is written (docs/seed-notes.md item 8).
    CONSTRAINT ck_acquired_not_future CHECK (acquired_at <= CURRENT_TIMESTAMP)
);
COMMENT ON COLUMN user_game_collection.user_id IS 'AWS Cognito sub';
COMMENT ON COLUMN user_game_collection.is_active IS 'Soft delete flag';

CREATE INDEX idx_collection_user_id ON user_game_collection (user_id);
-- Keyset pagination of a user's collection, newest first (listCollection).
CREATE INDEX idx_collection_user_acquired ON user_game_collection (user_id, acquired_at);
-- Serves the ON DELETE CASCADE from games (every other index leads with user_id); revision 012.
CREATE INDEX idx_collection_game_id ON user_game_collection (game_id);
CREATE INDEX idx_collection_platform_acquired ON user_game_collection (user_id, platform, acquired_at);
CREATE INDEX idx_collection_active_platform ON user_game_collection (user_id, is_active, platform) WHERE is_active = true;

CREATE TRIGGER update_collection_updated_at
BEFORE UPDATE ON user_game_collection
FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
