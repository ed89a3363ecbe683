import { sql, type Transaction } from 'kysely';
import { PlayLaterError } from '../errors.js';
import { SESSION_ID_SETTING, USER_ID_SETTING } from '../security/roles.js';
import { inTransaction, type Database, type Db } from './connection.js';
import { checkUserId } from './validate-input.js';

/**
 * Runs `work` in a transaction that acts for `userId` (SET LOCAL play_later.user_id): under the app
 * role, row-level security then shows and accepts only that user's rows of the per-user tables. In
 * the caller's transaction when `db` is one, else in a new one. A transaction already acting for
 * another user is refused (E_USER_MISMATCH), never switched: an app sets the user once per request,
 * `withUser(db, userId, (trx) => …)`, and hands `trx` to the repository functions.
 */
export async function withUser<T>(db: Db, userId: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return actingFor(db, USER_ID_SETTING, checkUserId(userId), 'user', work);
}

/**
 * Runs `work` in a transaction that presents one session (SET LOCAL play_later.session_id = the
 * SHA-256 of its token): the policy session_by_token lets it reach that session's row, whose user
 * is not known yet (validation, touch, sign-out).
 */
export async function withSessionId<T>(db: Db, sessionId: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return actingFor(db, SESSION_ID_SETTING, sessionId, 'session', work);
}

async function actingFor<T>(db: Db, setting: string, value: string, what: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return inTransaction(db, async (trx) => {
    // One round trip: read what the transaction acts for, and set it only when it is unset or the same.
    const { rows } = await sql<{ previous: string | null }>`SELECT NULLIF(current_setting(${setting}, true), '') AS previous, CASE WHEN COALESCE(NULLIF(current_setting(${setting}, true), ''), ${value}) = ${value} THEN set_config(${setting}, ${value}, true) END AS acting`.execute(trx);
    const previous = rows[0]?.previous ?? null;
    if (previous !== null && previous !== value) {
      throw new PlayLaterError('E_USER_MISMATCH', `This transaction already acts for another ${what}; it cannot switch to a second one.`, {
        hint: `Open one transaction per ${what} (withUser / withSessionId in src/repositories/row-security.ts).`,
      });
    }
    return work(trx);
  });
}

/**
 * Refuses to run a maintenance path (every user's stats, expired-session cleanup, re-encryption)
 * under a role that row-level security restricts: there it would silently see one user's rows, or
 * none. These paths run as the owner (which owns the tables, so the policies do not apply to it) or
 * a BYPASSRLS role: the CLI's connection, never the app's.
 */
export async function requireRowSecurityBypass(db: Db, table: keyof Database, what: string): Promise<void> {
  const { rows } = await sql<{ active: boolean; role: string }>`SELECT row_security_active(${table}::regclass) AS active, current_user AS role`.execute(db);
  if (rows[0]?.active) {
    throw new PlayLaterError('E_ROW_SECURITY', `${what} needs every user's rows, and row-level security limits ${rows[0].role} to one user's.`, {
      hint: 'Run it as the owner role (the connection that runs revisions, e.g. the CLI with the owner URL) or a role with BYPASSRLS, not as the app role.',
    });
  }
}
