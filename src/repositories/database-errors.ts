/**
 * The one place where database errors become typed errors. Every constraint of the schema has a
 * message naming its field; anything a user can get wrong (a value too long, a malformed UUID,
 * a number out of range) is E_VALIDATION, a duplicate is E_CONFLICT, a missing referenced row is
 * E_NOT_FOUND. A raw SQL error never reaches a user for their own mistake.
 */
import { DatabaseError } from 'pg';
import { PlayLaterError, type ErrorCode } from '../errors.js';

export const ACQUISITION_TYPES = ['PHYSICAL', 'DIGITAL', 'SUBSCRIPTION', 'BORROWED', 'RENTAL'] as const;
export const PLAYTHROUGH_STATUSES = ['PLANNING', 'PLAYING', 'COMPLETED', 'DROPPED', 'ON_HOLD', 'MASTERED'] as const;

interface ConstraintRule {
  code: ErrorCode;
  field: string;
  message: string;
}

/** By constraint name (the seed's names and the corrections'). */
export const CONSTRAINT_RULES: Readonly<Record<string, ConstraintRule>> = {
  ck_priority_range: { code: 'E_VALIDATION', field: 'priority', message: 'priority must be between 1 and 5' },
  ck_acquisition_type: { code: 'E_VALIDATION', field: 'acquisition_type', message: `acquisition_type must be one of ${ACQUISITION_TYPES.join(', ')}` },
  ck_acquired_not_future: { code: 'E_VALIDATION', field: 'acquired_at', message: 'acquired_at must not be in the future' },
  ck_playthrough_status: { code: 'E_VALIDATION', field: 'status', message: `status must be one of ${PLAYTHROUGH_STATUSES.join(', ')}` },
  ck_rating_range: { code: 'E_VALIDATION', field: 'rating', message: 'rating must be between 1 and 10' },
  ck_positive_play_time: { code: 'E_VALIDATION', field: 'play_time_hours', message: 'play_time_hours must not be negative' },
  ck_completion_date_logic: { code: 'E_VALIDATION', field: 'completed_at', message: 'completed_at must be after started_at' },
  uq_user_game_platform: { code: 'E_CONFLICT', field: 'platform', message: 'this user already has this game on this platform' },
  games_igdb_id_key: { code: 'E_CONFLICT', field: 'igdb_id', message: 'a game with this igdb_id already exists' },
  games_pkey: { code: 'E_CONFLICT', field: 'id', message: 'a game with this id already exists' },
  user_game_collection_pkey: { code: 'E_CONFLICT', field: 'id', message: 'a collection entry with this id already exists' },
  game_playthrough_pkey: { code: 'E_CONFLICT', field: 'id', message: 'a playthrough with this id already exists' },
  user_sessions_pkey: { code: 'E_CONFLICT', field: 'session_id', message: 'this session already exists' },
  game_search_buckets_pkey: { code: 'E_CONFLICT', field: 'bucket', message: 'this search bucket already exists (refresh_game_search_order() writes them)' },
  user_game_collection_game_id_fkey: { code: 'E_NOT_FOUND', field: 'game_id', message: 'game_id: no such game' },
  game_playthrough_game_id_fkey: { code: 'E_NOT_FOUND', field: 'game_id', message: 'game_id: no such game' },
  game_playthrough_collection_id_fkey: { code: 'E_NOT_FOUND', field: 'collection_id', message: 'collection_id: no such collection entry' },
  fk_playthrough_collection_same_owner: {
    code: 'E_NOT_FOUND',
    field: 'collection_id',
    message: 'collection_id: no collection entry of this user for this game',
  },
  uq_collection_id_user_game: { code: 'E_CONFLICT', field: 'id', message: 'a collection entry with this id already exists' },
  idx_user_stats_user_id: { code: 'E_CONFLICT', field: 'user_id', message: 'stats of this user already exist' },
};

/** SQLSTATE classes that are the caller's mistake (PostgreSQL appendix A). */
const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  stringTooLong: '22001',
  numericOutOfRange: '22003',
  invalidTextRepresentation: '22P02',
  datetimeOutOfRange: '22008',
  invalidDatetimeFormat: '22007',
} as const;

/** A data-layer error: a PlayLaterError that also says which field and constraint. */
export class DataError extends PlayLaterError {
  override readonly name = 'DataError';
  readonly field: string | undefined;
  readonly constraint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details: { field?: string; constraint?: string; cause?: unknown; hint?: string; data?: Record<string, unknown> } = {},
  ) {
    super(code, message, { cause: details.cause, hint: details.hint, data: { field: details.field, constraint: details.constraint, ...details.data } });
    this.field = details.field;
    this.constraint = details.constraint;
  }
}

export function validationError(field: string, message: string): DataError {
  return new DataError('E_VALIDATION', message, { field });
}

export function notFound(field: string, message: string): DataError {
  return new DataError('E_NOT_FOUND', message, { field });
}

/** The typed error for a database error, or the error itself when it is not the user's doing. */
export function mapDatabaseError(error: unknown): unknown {
  if (!(error instanceof DatabaseError)) return error;
  const rule = error.constraint ? CONSTRAINT_RULES[error.constraint] : undefined;
  if (rule) return new DataError(rule.code, rule.message, { field: rule.field, constraint: error.constraint, cause: error });
  const fields = keyColumns(error.detail);
  switch (error.code) {
    case SQLSTATE.uniqueViolation:
      return new DataError('E_CONFLICT', `${fields ?? 'value'} already exists`, { field: fields, constraint: error.constraint, cause: error });
    case SQLSTATE.foreignKeyViolation:
      // On delete the row is still referenced (a conflict); on insert or update the reference is missing.
      if (error.detail?.includes('still referenced')) {
        return new DataError('E_CONFLICT', `this row is still referenced from ${error.table ?? 'another table'}`, { constraint: error.constraint, cause: error });
      }
      return new DataError('E_NOT_FOUND', `${fields ?? 'a reference'}: no matching row`, { field: fields, constraint: error.constraint, cause: error });
    case SQLSTATE.checkViolation:
      return new DataError('E_VALIDATION', `a value breaks the rule ${error.constraint ?? '(unnamed)'}`, { constraint: error.constraint, cause: error });
    case SQLSTATE.notNullViolation:
      return new DataError('E_VALIDATION', `${error.column ?? 'a field'} is required`, { field: error.column, cause: error });
    case SQLSTATE.stringTooLong:
    case SQLSTATE.numericOutOfRange:
    case SQLSTATE.invalidTextRepresentation:
    case SQLSTATE.datetimeOutOfRange:
    case SQLSTATE.invalidDatetimeFormat:
      return new DataError('E_VALIDATION', `invalid value: ${error.message}`, { cause: error });
    default:
      return error;
  }
}

/** "Key (a, b)=(…) …" → "a, b" */
function keyColumns(detail: string | undefined): string | undefined {
  return detail?.match(/^Key \(([^)]*)\)=/)?.[1];
}

/** Wraps a repository function so that what it throws goes through mapDatabaseError. */
export function mapErrors<A extends unknown[], R>(work: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await work(...args);
    } catch (error) {
      throw mapDatabaseError(error);
    }
  };
}
