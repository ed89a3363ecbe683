import { sql, type Selectable } from 'kysely';
import type { Db } from './connection.js';
import type { UserGameStats } from './database.js';
import { mapErrors } from './database-errors.js';
import { requireRowSecurityBypass, withUser } from './row-security.js';
import { checkUserId } from './validate-input.js';

/** A user's stats with numbers as numbers (the row holds bigint and numeric, which pg returns as text). */
export interface UserStats {
  user_id: string;
  total_games: number;
  ps5_games: number;
  steam_games: number;
  xbox_games: number;
  switch_games: number;
  total_playthroughs: number;
  completed_games: number;
  currently_playing: number;
  backlog_size: number;
  total_hours: number;
  average_rating: number | null;
  avg_completion_time: number | null;
  completion_rate_percent: number;
  last_activity: Date | null;
}

/** The user's row of user_game_stats, or undefined when they have neither games nor playthroughs. */
export const getUserStats = mapErrors(async (db: Db, userId: string): Promise<UserStats | undefined> => {
  const user = checkUserId(userId);
  const row = await withUser(db, user, (trx) => trx.selectFrom('user_game_stats').selectAll().where('user_id', '=', user).executeTakeFirst());
  return row ? toUserStats(row) : undefined;
});

/** Recomputes the user's stats (refresh_user_stats); in the caller's transaction when db is one. */
export const refreshUserStats = mapErrors(async (db: Db, userId: string): Promise<void> => {
  const user = checkUserId(userId);
  await withUser(db, user, (trx) => refreshStatsOf(trx, user));
});

function refreshStatsOf(trx: Db, userId: string): Promise<unknown> {
  return sql`SELECT refresh_user_stats(${userId})`.execute(trx);
}

/**
 * Runs a write to the user's collection or playthroughs, then refreshes the user's stats, in one
 * transaction (the caller's when db is one): stats are exact at commit, and a failed write leaves
 * them as they were. The transaction acts for the user (row-security.ts).
 */
export async function withStatsRefresh<T>(db: Db, userId: string, write: (trx: Db) => Promise<T>): Promise<T> {
  return withUser(db, userId, async (trx) => {
    const result = await write(trx);
    await refreshStatsOf(trx, checkUserId(userId));
    return result;
  });
}

/**
 * Recomputes the stats of several users in the caller's transaction (a data load, a backfill): a
 * maintenance path, as the owner, since one transaction cannot act for several users under the app
 * role (E_ROW_SECURITY there).
 */
export const refreshStatsOfUsers = mapErrors(async (db: Db, userIds: readonly string[]): Promise<void> => {
  await requireRowSecurityBypass(db, 'user_game_stats', 'Refreshing the stats of several users in one transaction');
  for (const userId of userIds) await refreshStatsOf(db, checkUserId(userId));
});

/** Recomputes every user's stats: a maintenance path, as the owner (E_ROW_SECURITY as the app role). */
export const refreshAllUserStats = mapErrors(async (db: Db): Promise<void> => {
  await requireRowSecurityBypass(db, 'user_game_stats', "Refreshing every user's stats");
  await sql`SELECT refresh_user_stats()`.execute(db);
});

function toUserStats(row: Selectable<UserGameStats>): UserStats {
  const count = (value: string): number => Number(value);
  const decimal = (value: string | null): number | null => (value === null ? null : Number(value));
  return {
    user_id: row.user_id,
    total_games: count(row.total_games),
    ps5_games: count(row.ps5_games),
    steam_games: count(row.steam_games),
    xbox_games: count(row.xbox_games),
    switch_games: count(row.switch_games),
    total_playthroughs: count(row.total_playthroughs),
    completed_games: count(row.completed_games),
    currently_playing: count(row.currently_playing),
    backlog_size: count(row.backlog_size),
    total_hours: count(row.total_hours),
    average_rating: decimal(row.average_rating),
    avg_completion_time: decimal(row.avg_completion_time),
    completion_rate_percent: count(row.completion_rate_percent),
    last_activity: row.last_activity,
  };
}
