/**
 * Hash stored session ids and clear the stored tokens.
 * Corrects SEED-NOTES item 6: sessions held their id (the bearer secret, as primary key) and the
 * Cognito access and refresh tokens in clear, so anyone who reads the table or a backup can take
 * over a session. From here the data layer stores only the SHA-256 (hex, 64 characters: it fits
 * varchar(64)) of the session token it hands to the client, and encrypts access_token and
 * refresh_token at rest (AES-256-GCM, key from the environment, each value records its key id).
 * Existing rows cannot be encrypted here (the key is the app's, never the database's), so this
 * revision hashes their ids in place (PostgreSQL's sha256(), UTF-8 bytes of the id), clears both
 * tokens and expires them: those users sign in again, and cleanup_expired_sessions() removes the
 * rows. A client that still presents its old id finds its row by hash and is refused as expired.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '011_hash_stored_session_ids';
export const downRevision = '010_drop_duplicate_igdb_id_index';
export const message = 'Hash stored session ids';
export const createDate = '2026-11-28T13:15:00Z';

const COMMENTS = {
  session_id: 'SHA-256 (hex) of the session token; the token itself is only ever given to the client',
  access_token: 'Cognito access token, encrypted by the app (AES-256-GCM, the value records its key id); empty when cleared: sign in again',
  refresh_token: 'Cognito refresh token, encrypted by the app (AES-256-GCM, the value records its key id); empty when cleared: sign in again',
};

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  const changed = await sql`
    UPDATE user_sessions
       SET session_id = encode(sha256(convert_to(session_id, 'UTF8')), 'hex'),
           access_token = '',
           refresh_token = '',
           expires_at = LEAST(expires_at, CURRENT_TIMESTAMP)`.execute(db);
  context.log(`011: ${changed.numAffectedRows ?? 0n} session(s) re-keyed by the SHA-256 of their id, tokens cleared and expired: those users sign in again`);
  for (const [column, comment] of Object.entries(COMMENTS)) {
    await sql.raw(`COMMENT ON COLUMN user_sessions.${column} IS '${comment}'`).execute(db);
  }
}

/** Removes the comments; hashed ids and cleared tokens stay (a hash cannot be undone). */
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of Object.keys(COMMENTS)) {
    await sql.raw(`COMMENT ON COLUMN user_sessions.${column} IS NULL`).execute(db);
  }
}
