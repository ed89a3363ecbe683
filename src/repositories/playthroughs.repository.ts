import type { Selectable, Updateable } from 'kysely';
import type { Db } from './connection.js';
import type { GamePlaythrough, PlaythroughSummary } from './database.js';
import { PLAYTHROUGH_STATUSES, mapErrors, validationError } from './database-errors.js';
import { checkEach, insertUserRows, type BulkColumns } from './bulk-rows.js';
import { updateOwnedRow, type OwnedRowKey } from './owned-rows.js';
import { withUser } from './row-security.js';
import { withStatsRefresh } from './stats.repository.js';
import {
  COLUMN_LENGTHS,
  checkDate,
  checkLimit,
  checkNumeric,
  checkOneOf,
  checkOptionalDate,
  checkOptionalInteger,
  checkOptionalText,
  checkText,
  checkUserId,
  checkUuid,
} from './validate-input.js';

export type Playthrough = Selectable<GamePlaythrough>;
export type PlaythroughSummaryRow = Selectable<PlaythroughSummary>;
export type PlaythroughStatus = (typeof PLAYTHROUGH_STATUSES)[number];

export interface StartPlaythroughInput {
  user_id: string;
  game_id: string;
  platform: string;
  /** The user's collection entry of this game, if any. */
  collection_id?: string | null;
  /** PLAYING (default) or PLANNING (a backlog entry). */
  status?: 'PLAYING' | 'PLANNING';
  /** Defaults to now when PLAYING. */
  started_at?: Date | null;
  playthrough_type?: string | null;
  difficulty?: string | null;
  notes?: string | null;
}

export interface PlaythroughChanges {
  status?: PlaythroughStatus;
  platform?: string;
  started_at?: Date | null;
  play_time_hours?: number | null;
  playthrough_type?: string | null;
  difficulty?: string | null;
  rating?: number | null;
  notes?: string | null;
}

export interface CompletePlaythroughInput {
  play_time_hours: number;
  /** 1 to 10. */
  rating?: number | null;
  /** Defaults to now. */
  completed_at?: Date;
  /** COMPLETED (default) or MASTERED. */
  status?: 'COMPLETED' | 'MASTERED';
}

export interface PlaythroughFilters {
  status?: PlaythroughStatus;
  platform?: string;
  limit?: number;
}

const LENGTHS = COLUMN_LENGTHS.game_playthrough;

/** The checked row of a playthrough to start; shared by startPlaythrough and startManyPlaythroughs. */
function checkStartPlaythroughInput(input: StartPlaythroughInput) {
  const status = checkOneOf('status', input.status ?? 'PLAYING', ['PLAYING', 'PLANNING'] as const);
  return {
    user_id: checkUserId(input.user_id),
    game_id: checkUuid('game_id', input.game_id),
    collection_id: input.collection_id == null ? null : checkUuid('collection_id', input.collection_id),
    platform: checkText('platform', input.platform, LENGTHS.platform, { required: true }),
    status,
    started_at: checkOptionalDate('started_at', input.started_at) ?? (status === 'PLAYING' ? new Date() : null),
    playthrough_type: checkOptionalText('playthrough_type', input.playthrough_type, LENGTHS.playthrough_type) ?? null,
    difficulty: checkOptionalText('difficulty', input.difficulty, LENGTHS.difficulty) ?? null,
    notes: checkOptionalText('notes', input.notes) ?? null,
  };
}

const BULK_COLUMNS: BulkColumns<ReturnType<typeof checkStartPlaythroughInput>> = [
  ['user_id', 'varchar'], ['game_id', 'uuid'], ['collection_id', 'uuid'], ['platform', 'varchar'], ['status', 'varchar'], ['started_at', 'timestamptz'], ['playthrough_type', 'varchar'], ['difficulty', 'varchar'], ['notes', 'text'],
];

export const startPlaythrough = mapErrors(async (db: Db, input: StartPlaythroughInput): Promise<Playthrough> => {
  const row = checkStartPlaythroughInput(input);
  return withStatsRefresh(db, row.user_id, (trx) => trx.insertInto('game_playthrough').values(row).returningAll().executeTakeFirstOrThrow());
});

/**
 * startPlaythrough for many playthroughs (of one user or many) in one statement, then one stats
 * refresh per user touched, in one transaction: all or nothing, and a bad row's error gives its
 * `index`. Returns the playthroughs in input order.
 */
export const startManyPlaythroughs = mapErrors(async (db: Db, inputs: readonly StartPlaythroughInput[]): Promise<Playthrough[]> =>
  insertUserRows<ReturnType<typeof checkStartPlaythroughInput>, Playthrough>(db, 'game_playthrough', BULK_COLUMNS, checkEach(inputs, checkStartPlaythroughInput)),
);

export const updatePlaythrough = mapErrors(async (db: Db, key: OwnedRowKey, changes: PlaythroughChanges): Promise<Playthrough> => {
  const checked: Updateable<GamePlaythrough> = {};
  if (changes.status !== undefined) checked.status = checkOneOf('status', changes.status, PLAYTHROUGH_STATUSES);
  if (changes.platform !== undefined) checked.platform = checkText('platform', changes.platform, LENGTHS.platform, { required: true });
  if (changes.started_at !== undefined) checked.started_at = checkOptionalDate('started_at', changes.started_at) ?? null;
  if (changes.play_time_hours !== undefined) checked.play_time_hours = changes.play_time_hours === null ? null : checkPlayTime(changes.play_time_hours);
  if (changes.playthrough_type !== undefined) checked.playthrough_type = checkOptionalText('playthrough_type', changes.playthrough_type, LENGTHS.playthrough_type) ?? null;
  if (changes.difficulty !== undefined) checked.difficulty = checkOptionalText('difficulty', changes.difficulty, LENGTHS.difficulty) ?? null;
  if (changes.rating !== undefined) checked.rating = checkOptionalInteger('rating', changes.rating) ?? null;
  if (changes.notes !== undefined) checked.notes = checkOptionalText('notes', changes.notes) ?? null;
  if (Object.keys(checked).length === 0) throw validationError('changes', 'nothing to change: give at least one field');
  return writePlaythrough(db, key, checked);
});

/** Marks a playthrough completed (or mastered) with its play time and, optionally, a rating. */
export const completePlaythrough = mapErrors(async (db: Db, key: OwnedRowKey, input: CompletePlaythroughInput): Promise<Playthrough> =>
  writePlaythrough(db, key, {
    status: checkOneOf('status', input.status ?? 'COMPLETED', ['COMPLETED', 'MASTERED'] as const),
    play_time_hours: checkPlayTime(input.play_time_hours),
    rating: checkOptionalInteger('rating', input.rating) ?? null,
    completed_at: input.completed_at === undefined ? new Date() : checkDate('completed_at', input.completed_at),
  }),
);

/** The user's playthroughs, most recently changed first. */
export const listPlaythroughs = mapErrors(async (db: Db, userId: string, filters: PlaythroughFilters = {}): Promise<Playthrough[]> => {
  const user = checkUserId(userId);
  let query = db.selectFrom('game_playthrough').selectAll().where('user_id', '=', user);
  if (filters.status !== undefined) query = query.where('status', '=', checkOneOf('status', filters.status, PLAYTHROUGH_STATUSES));
  if (filters.platform !== undefined) query = query.where('platform', '=', checkText('platform', filters.platform, LENGTHS.platform));
  const { rows } = await withUser(db, user, (trx) => trx.executeQuery(query.orderBy('updated_at', 'desc').orderBy('id').limit(checkLimit(filters.limit, 50))));
  return rows;
});

/** The playthrough_summary view for the user: game details, duration and completion percentage. */
export const playthroughSummary = mapErrors(async (db: Db, userId: string, filters: PlaythroughFilters = {}): Promise<PlaythroughSummaryRow[]> => {
  const user = checkUserId(userId);
  let query = db.selectFrom('playthrough_summary').selectAll().where('user_id', '=', user);
  if (filters.status !== undefined) query = query.where('status', '=', checkOneOf('status', filters.status, PLAYTHROUGH_STATUSES));
  if (filters.platform !== undefined) query = query.where('platform', '=', checkText('platform', filters.platform, LENGTHS.platform));
  const { rows } = await withUser(db, user, (trx) => trx.executeQuery(query.orderBy('updated_at', 'desc').orderBy('id').limit(checkLimit(filters.limit, 50))));
  return rows;
});

function checkPlayTime(value: number): number {
  // numeric(8, 2); a negative value is left to ck_positive_play_time, so the message names the rule.
  return checkNumeric('play_time_hours', value, 8, 2);
}

function writePlaythrough(db: Db, key: OwnedRowKey, changes: Updateable<GamePlaythrough>): Promise<Playthrough> {
  return updateOwnedRow(db, key, 'playthrough', (trx, { id, userId }) =>
    trx.updateTable('game_playthrough').set(changes).where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst(),
  );
}
