/**
 * Add session management for authentication.
 * Frozen: reproduces the seed's 004_add_session_management exactly (see ../../shared/SEED-NOTES.md). The SQL strings are
 * the seed's own, byte for byte: function bodies keep their text in pg_proc.prosrc.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '004_add_session_management';
export const downRevision = '003_add_functions_triggers';
export const message = 'Add session management for authentication';
export const createDate = '2024-03-15T12:00:00Z';

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`CREATE TABLE user_sessions (
    session_id VARCHAR(64) NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (session_id)
)`).execute(db);
  await sql.raw(`COMMENT ON COLUMN user_sessions.user_id IS 'AWS Cognito sub'`).execute(db);
  await sql.raw(`CREATE INDEX idx_sessions_user_id ON user_sessions (user_id)`).execute(db);
  await sql.raw(`CREATE INDEX idx_sessions_expires_at ON user_sessions (expires_at)`).execute(db);
  // The seed's idx_sessions_cleanup (WHERE expires_at < CURRENT_TIMESTAMP) cannot be created:
  // PostgreSQL requires IMMUTABLE functions in an index predicate. idx_sessions_expires_at already
  // serves cleanup_expired_sessions(). Left out, as SEED-NOTES.md records.
  await sql.raw(`
        CREATE OR REPLACE FUNCTION cleanup_expired_sessions()
        RETURNS INTEGER AS $$
        DECLARE
            deleted_count INTEGER;
        BEGIN
            DELETE FROM user_sessions WHERE expires_at < CURRENT_TIMESTAMP;
            GET DIAGNOSTICS deleted_count = ROW_COUNT;
            RETURN deleted_count;
        END;
        $$ LANGUAGE plpgsql;
    `).execute(db);
  await sql.raw(`
        CREATE TRIGGER update_sessions_updated_at 
        BEFORE UPDATE ON user_sessions 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    `).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`DROP TRIGGER IF EXISTS update_sessions_updated_at ON user_sessions;`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS cleanup_expired_sessions();`).execute(db);
  await sql.raw(`DROP TABLE user_sessions`).execute(db);
}
