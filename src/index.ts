/**
 * The package's entry (`import { … } from 'play-later-db'`): the runner's API, to migrate from code
 * (test set-up, app start-up; see docs/runner-api.md), and the data layer's repositories with their
 * types. `play-later-db/migrator` is the runner's API alone, without kysely and the repositories.
 */
export * from './runner/migrator.js';
export { PlayLaterError, isPlayLaterError, type ErrorCode, type ErrorDetails } from './errors.js';

export { createDatabase, inTransaction, type Database, type Db } from './repositories/connection.js';
export type * from './repositories/database.js';
export { ACQUISITION_TYPES, PLAYTHROUGH_STATUSES, DataError } from './repositories/database-errors.js';
export type { OwnedRowKey } from './repositories/owned-rows.js';
export * from './repositories/games.repository.js';
export * from './repositories/game-import.js';
export * from './repositories/collection.repository.js';
export * from './repositories/playthroughs.repository.js';
export * from './repositories/stats.repository.js';
export * from './repositories/sessions.repository.js';
export { SESSION_KEYS_VARIABLE, loadSessionKeyring, type SessionKeyring } from './repositories/session-keys.js';
