import { sql, type Selectable } from 'kysely';
import { inTransaction, type Db } from './connection.js';
import type { UserGameStats } from './database.js';
import { mapErrors } from './database-errors.js';
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
  const row = await db.selectFrom('user_game_stats').selectAll().where('user_id', '=', checkUserId(userId)).executeTakeFirst();
  return row ? toUserStats(row) : undefined;
});

/** Recomputes the user's stats (refresh_user_stats); in the caller's transaction when db is one. */
export const refreshUserStats = mapErrors(async (db: Db, userId: string): Promise<void> => {
  await sql`SELECT refresh_user_stats(${checkUserId(userId)})`.execute(db);
});

/**
 * Runs a write to the user's collection or playthroughs, then refreshes the user's stats, in one
 * transaction (the caller's when db is one): stats are exact at commit, and a failed write leaves
 * them as they were.
 */
export async function withStatsRefresh<T>(db: Db, userId: string, write: (trx: Db) => Promise<T>): Promise<T> {
  return inTransaction(db, async (trx) => {
    const result = await write(trx);
    await refreshUserStats(trx, userId);
    return result;
  });
}

/** Recomputes every user's stats. */
export const refreshAllUserStats = mapErrors(async (db: Db): Promise<void> => {
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
