import { notFound } from './database-errors.js';
import { COLUMN_LENGTHS, checkText, checkUuid } from './validate-input.js';

/** Identifies a row that belongs to a user: every write checks both, so no user touches another's rows. */
export interface OwnedRowKey {
  userId: string;
  id: string;
}

export function checkOwnedRowKey(key: OwnedRowKey): OwnedRowKey {
  return { userId: checkUserId(key.userId), id: checkUuid('id', key.id) };
}

export function checkUserId(userId: unknown): string {
  return checkText('user_id', userId, COLUMN_LENGTHS.user_game_collection.user_id, { required: true });
}

/** The row, or E_NOT_FOUND naming what was looked for. */
export function foundOrThrow<T>(row: T | undefined, what: string, key: OwnedRowKey): T {
  if (row === undefined) throw notFound('id', `no ${what} ${key.id} for user ${key.userId}`);
  return row;
}
