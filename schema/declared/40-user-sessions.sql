-- Signed-in sessions. Nothing here is usable if the table or a backup leaks: session_id is the
-- hash of the token the client holds, and the Cognito tokens are encrypted by the app.
CREATE TABLE user_sessions (
    session_id VARCHAR(64) PRIMARY KEY,
    user_id VARCHAR(255) NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);
COMMENT ON COLUMN user_sessions.session_id IS 'SHA-256 (hex) of the session token; the token itself is only ever given to the client';
COMMENT ON COLUMN user_sessions.user_id IS 'AWS Cognito sub';
COMMENT ON COLUMN user_sessions.access_token IS 'Cognito access token, encrypted by the app (AES-256-GCM, the value records its key id); empty when cleared: sign in again';
COMMENT ON COLUMN user_sessions.refresh_token IS 'Cognito refresh token, encrypted by the app (AES-256-GCM, the value records its key id); empty when cleared: sign in again';

CREATE INDEX idx_sessions_user_id ON user_sessions (user_id);
-- Serves cleanup_expired_sessions() (the seed's partial idx_sessions_cleanup cannot exist:
-- CURRENT_TIMESTAMP is not IMMUTABLE).
CREATE INDEX idx_sessions_expires_at ON user_sessions (expires_at);

CREATE TRIGGER update_sessions_updated_at
BEFORE UPDATE ON user_sessions
FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- The seed's body, text for text.
CREATE FUNCTION cleanup_expired_sessions()
RETURNS INTEGER AS $$
        DECLARE
            deleted_count INTEGER;
        BEGIN
            DELETE FROM user_sessions WHERE expires_at < CURRENT_TIMESTAMP;
            GET DIAGNOSTICS deleted_count = ROW_COUNT;
            RETURN deleted_count;
        END;
        $$ LANGUAGE plpgsql;
