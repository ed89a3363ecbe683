import type { Db } from './connection.js';
import { notFound } from './database-errors.js';
import { withStatsRefresh } from './stats.repository.js';
import { checkUserId, checkUuid } from './validate-input.js';

/** Identifies a row that belongs to a user: every write checks both, so no user touches another's rows. */
export interface OwnedRowKey {
  userId: string;
  id: string;
}

export function checkOwnedRowKey(key: OwnedRowKey): OwnedRowKey {
  return { userId: checkUserId(key.userId), id: checkUuid('id', key.id) };
}

/**
 * Updates one row of the user (`update` returns it, or undefined when no row of that user has the
 * id: E_NOT_FOUND), then refreshes the user's stats in the same transaction.
 */
export async function updateOwnedRow<T>(db: Db, rawKey: OwnedRowKey, what: string, update: (trx: Db, key: OwnedRowKey) => Promise<T | undefined>): Promise<T> {
  const key = checkOwnedRowKey(rawKey);
  return withStatsRefresh(db, key.userId, async (trx) => {
    const row = await update(trx, key);
    if (row === undefined) throw notFound('id', `no ${what} ${key.id} for user ${key.userId}`);
    return row;
  });
}
