/**
 * Sessions: the caller gets a random token; the table keeps only its SHA-256 (session_id) and the
 * OAuth tokens encrypted (session-keys.ts). Someone who reads the table or a backup can neither
 * use a session id nor read a token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { inTransaction, type Db } from './connection.js';
import { requireRowSecurityBypass, withSessionId, withUser } from './row-security.js';
import { mapErrors } from './database-errors.js';
import { decryptToken, encryptToken, keyIdOf, type SessionKeyring } from './session-keys.js';
import { checkDate, checkText, checkUserId } from './validate-input.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface NewSessionInput {
  user_id: string;
  access_token: string;
  refresh_token: string;
  expires_at: Date;
}

export interface Session {
  user_id: string;
  access_token: string;
  refresh_token: string;
  expires_at: Date;
}

export interface ReencryptResult {
  rows: number;
  reencrypted: number;
}

/** The session_id stored for a token: SHA-256, hex (64 characters, the column's width). */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const associatedData = (column: 'access_token' | 'refresh_token', sessionId: string): string => `user_sessions.${column}:${sessionId}`;

/** Creates a session and returns its token: the only time the token exists outside the caller. */
export const createSession = mapErrors(async (db: Db, keyring: SessionKeyring, input: NewSessionInput): Promise<{ token: string; session: Session }> => {
  const session: Session = {
    user_id: checkUserId(input.user_id),
    access_token: checkText('access_token', input.access_token, undefined, { required: true }),
    refresh_token: checkText('refresh_token', input.refresh_token, undefined, { required: true }),
    expires_at: checkDate('expires_at', input.expires_at),
  };
  const token = randomBytes(32).toString('base64url');
  const sessionId = hashSessionToken(token);
  await withUser(db, session.user_id, (trx) => trx
    .insertInto('user_sessions')
    .values({
      session_id: sessionId,
      user_id: session.user_id,
      access_token: encryptToken(keyring, session.access_token, associatedData('access_token', sessionId)),
      refresh_token: encryptToken(keyring, session.refresh_token, associatedData('refresh_token', sessionId)),
      expires_at: session.expires_at,
    })
    .execute());
  return { token, session };
});

/** The session of a token, decrypted, or undefined when the token is unknown, malformed or expired. */
export const validateSession = mapErrors(async (db: Db, keyring: SessionKeyring, token: string): Promise<Session | undefined> => {
  if (!TOKEN.test(token)) return undefined;
  const sessionId = hashSessionToken(token);
  const row = await withSessionId(db, sessionId, (trx) => trx
    .selectFrom('user_sessions')
    .select(['user_id', 'access_token', 'refresh_token', 'expires_at'])
    .where('session_id', '=', sessionId)
    .where('expires_at', '>', sql<Date>`CURRENT_TIMESTAMP`)
    .executeTakeFirst());
  if (!row) return undefined;
  return {
    user_id: row.user_id,
    access_token: decryptToken(keyring, row.access_token, associatedData('access_token', sessionId)),
    refresh_token: decryptToken(keyring, row.refresh_token, associatedData('refresh_token', sessionId)),
    expires_at: row.expires_at,
  };
});

/** Extends a live session to `expiresAt`; false when the token is unknown or already expired. */
export const touchSession = mapErrors(async (db: Db, token: string, expiresAt: Date): Promise<boolean> => {
  if (!TOKEN.test(token)) return false;
  const sessionId = hashSessionToken(token);
  const result = await withSessionId(db, sessionId, (trx) => trx
    .updateTable('user_sessions')
    .set({ expires_at: checkDate('expires_at', expiresAt) })
    .where('session_id', '=', sessionId)
    .where('expires_at', '>', sql<Date>`CURRENT_TIMESTAMP`)
    .executeTakeFirst());
  return result.numUpdatedRows > 0n;
});

/** Ends one session (sign-out); false when there was none. */
export const revokeSession = mapErrors(async (db: Db, token: string): Promise<boolean> => {
  if (!TOKEN.test(token)) return false;
  const sessionId = hashSessionToken(token);
  const result = await withSessionId(db, sessionId, (trx) => trx.deleteFrom('user_sessions').where('session_id', '=', sessionId).executeTakeFirst());
  return result.numDeletedRows > 0n;
});

/** Ends every session of a user (sign out everywhere); returns how many. */
export const revokeUserSessions = mapErrors(async (db: Db, userId: string): Promise<number> => {
  const user = checkUserId(userId);
  const result = await withUser(db, user, (trx) => trx.deleteFrom('user_sessions').where('user_id', '=', user).executeTakeFirst());
  return Number(result.numDeletedRows);
});

/** Deletes expired sessions (cleanup_expired_sessions()); returns how many. A maintenance path: as the owner. */
export const cleanupExpiredSessions = mapErrors(async (db: Db): Promise<number> => {
  await requireRowSecurityBypass(db, 'user_sessions', 'Cleaning up expired sessions');
  const { deleted } = await db.selectNoFrom(sql<number>`cleanup_expired_sessions()`.as('deleted')).executeTakeFirstOrThrow();
  return deleted;
});

/**
 * Re-encrypts every row not yet under the keyring's active key, in batches (each its own
 * transaction, rows locked): safe to run while the app serves, and to run again after a stop.
 * A maintenance path: as the owner.
 */
export const reencryptSessions = mapErrors(async (db: Db, keyring: SessionKeyring, options: { batchSize?: number } = {}): Promise<ReencryptResult> => {
  await requireRowSecurityBypass(db, 'user_sessions', 'Re-encrypting every session');
  const batchSize = options.batchSize ?? 500;
  let rows = 0;
  let reencrypted = 0;
  let last = '';
  for (;;) {
    const batch = await inTransaction(db, async (trx) => {
      const found = await trx
        .selectFrom('user_sessions')
        .select(['session_id', 'access_token', 'refresh_token'])
        .where('session_id', '>', last)
        .orderBy('session_id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of found) {
        const current = (token: string): boolean => token === '' || keyIdOf(token) === keyring.activeKeyId;
        if (current(row.access_token) && current(row.refresh_token)) continue;
        // An empty token is a session that revision 011 cleared (its user signs in again): nothing to encrypt.
        const reseal = (column: 'access_token' | 'refresh_token'): string =>
          row[column] === ''
            ? ''
            : encryptToken(keyring, decryptToken(keyring, row[column], associatedData(column, row.session_id)), associatedData(column, row.session_id));
        await trx
          .updateTable('user_sessions')
          .set({ access_token: reseal('access_token'), refresh_token: reseal('refresh_token') })
          .where('session_id', '=', row.session_id)
          .execute();
        reencrypted += 1;
      }
      return found;
    });
    rows += batch.length;
    const tail = batch[batch.length - 1];
    if (!tail || batch.length < batchSize) return { rows, reencrypted };
    last = tail.session_id;
  }
});
