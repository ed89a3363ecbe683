/**
 * Checks of what a caller passes in, before it reaches SQL, so the error names the field (the
 * server's "value too long for type character varying(50)" does not). The lengths mirror the
 * schema; a test compares them with the catalog so they cannot drift.
 */
import { validationError } from './database-errors.js';

export const COLUMN_LENGTHS = {
  games: { title: 255, cover_image_id: 50 },
  user_game_collection: { user_id: 255, platform: 50, acquisition_type: 20 },
  game_playthrough: { user_id: 255, platform: 50, status: 20, playthrough_type: 100, difficulty: 50 },
  user_sessions: { session_id: 64, user_id: 255 },
} as const;

export const MAX_PAGE_SIZE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT32_MAX = 2_147_483_647;

export function checkUuid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw validationError(field, `${field} must be a UUID (got ${JSON.stringify(value)})`);
  return value;
}

/** A user id (the Cognito sub): a non-empty string that fits user_id varchar(255). */
export function checkUserId(userId: unknown): string {
  return checkText('user_id', userId, COLUMN_LENGTHS.user_game_collection.user_id, { required: true });
}

/** A string of at most `max` characters (PostgreSQL counts characters, not UTF-16 units). */
export function checkText(field: string, value: unknown, max: number | undefined, options: { required?: boolean } = {}): string {
  if (value === undefined || value === null) throw validationError(field, `${field} is required`);
  if (typeof value !== 'string') throw validationError(field, `${field} must be a string`);
  if (options.required && value.trim() === '') throw validationError(field, `${field} must not be empty`);
  if (max !== undefined && [...value].length > max) throw validationError(field, `${field} must be at most ${max} characters (got ${[...value].length})`);
  if (value.includes('\u0000')) throw validationError(field, `${field} must not contain NUL characters`);
  return value;
}

export function checkOptionalText(field: string, value: unknown, max?: number): string | null | undefined {
  return value === undefined || value === null ? value : checkText(field, value, max);
}

export function checkInteger(field: string, value: unknown, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? -INT32_MAX - 1;
  const max = range.max ?? INT32_MAX;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validationError(field, `${field} must be an integer between ${min} and ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function checkOptionalInteger(field: string, value: unknown, range: { min?: number; max?: number } = {}): number | null | undefined {
  return value === undefined || value === null ? value : checkInteger(field, value, range);
}

/** A number that fits numeric(precision, scale), e.g. play_time_hours numeric(8, 2). */
export function checkNumeric(field: string, value: unknown, precision: number, scale: number): number {
  const bound = 10 ** (precision - scale);
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= bound) {
    throw validationError(field, `${field} must be a number below ${bound} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function checkDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw validationError(field, `${field} must be a valid date`);
  return value;
}

export function checkOptionalDate(field: string, value: unknown): Date | null | undefined {
  return value === undefined || value === null ? value : checkDate(field, value);
}

export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw validationError(field, `${field} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

/** A page size: a positive integer, at most MAX_PAGE_SIZE. */
export function checkLimit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_PAGE_SIZE) {
    throw validationError('limit', `limit must be a positive integer of at most ${MAX_PAGE_SIZE} (got ${JSON.stringify(value)})`);
  }
  return value;
}
