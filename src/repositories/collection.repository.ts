import { sql, type Selectable, type Updateable } from 'kysely';
import type { Db } from './connection.js';
import type { UserGameCollection } from './database.js';
import { ACQUISITION_TYPES, mapErrors, validationError } from './database-errors.js';
import { checkEach, insertUserRows, type BulkColumns } from './bulk-rows.js';
import { updateOwnedRow, type OwnedRowKey } from './owned-rows.js';
import { withUser } from './row-security.js';
import { withStatsRefresh } from './stats.repository.js';
import { COLUMN_LENGTHS, checkDate, checkLimit, checkOneOf, checkOptionalDate, checkOptionalInteger, checkOptionalText, checkText, checkUserId, checkUuid } from './validate-input.js';

export type CollectionEntry = Selectable<UserGameCollection>;
export type AcquisitionType = (typeof ACQUISITION_TYPES)[number];

export interface CollectionEntryInput {
  user_id: string;
  game_id: string;
  platform: string;
  acquisition_type: AcquisitionType;
  acquired_at: Date;
  priority?: number | null;
  notes?: string | null;
}

export type CollectionEntryChanges = Partial<Pick<CollectionEntryInput, 'platform' | 'acquisition_type' | 'acquired_at' | 'priority' | 'notes'>>;

export interface CollectionFilters {
  platform?: string;
  priority?: number;
  acquiredFrom?: Date;
  /** Exclusive. */
  acquiredBefore?: Date;
  /** true (default): owned games; false: removed ones; 'any': both. */
  active?: boolean | 'any';
  limit?: number;
  /** The nextCursor of the previous page. */
  after?: string;
}

export interface CollectionListItem extends CollectionEntry {
  title: string;
  cover_image_id: string | null;
}

export interface CollectionPage {
  items: CollectionListItem[];
  /** Pass as `after` for the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

const LENGTHS = COLUMN_LENGTHS.user_game_collection;

/** The checked row of an entry to add; shared by addToCollection and addManyToCollection. */
function checkCollectionEntryInput(input: CollectionEntryInput) {
  return {
    user_id: checkUserId(input.user_id),
    game_id: checkUuid('game_id', input.game_id),
    platform: checkText('platform', input.platform, LENGTHS.platform, { required: true }),
    acquisition_type: checkOneOf('acquisition_type', input.acquisition_type, ACQUISITION_TYPES),
    acquired_at: checkDate('acquired_at', input.acquired_at),
    priority: checkOptionalInteger('priority', input.priority) ?? null,
    notes: checkOptionalText('notes', input.notes) ?? null,
    is_active: true,
  };
}

const BULK_COLUMNS: BulkColumns<ReturnType<typeof checkCollectionEntryInput>> = [
  ['user_id', 'varchar'], ['game_id', 'uuid'], ['platform', 'varchar'], ['acquisition_type', 'varchar'], ['acquired_at', 'timestamptz'], ['priority', 'integer'], ['notes', 'text'], ['is_active', 'boolean'],
];

/** Adds a game to the user's collection; the user's stats are refreshed in the same transaction. */
export const addToCollection = mapErrors(async (db: Db, input: CollectionEntryInput): Promise<CollectionEntry> => {
  const row = checkCollectionEntryInput(input);
  return withStatsRefresh(db, row.user_id, (trx) => trx.insertInto('user_game_collection').values(row).returningAll().executeTakeFirstOrThrow());
});

/**
 * addToCollection for many entries (of one user or many) in one statement, then one stats refresh
 * per user touched, in one transaction: all or nothing, and a bad entry's error gives its `index`.
 * Returns the entries in input order.
 */
export const addManyToCollection = mapErrors(async (db: Db, inputs: readonly CollectionEntryInput[]): Promise<CollectionEntry[]> =>
  insertUserRows<ReturnType<typeof checkCollectionEntryInput>, CollectionEntry>(db, 'user_game_collection', BULK_COLUMNS, checkEach(inputs, checkCollectionEntryInput)),
);

/** Changes an entry of the user's collection. */
export const updateCollectionEntry = mapErrors(async (db: Db, key: OwnedRowKey, changes: CollectionEntryChanges): Promise<CollectionEntry> => {
  const checked: Updateable<UserGameCollection> = {};
  if (changes.platform !== undefined) checked.platform = checkText('platform', changes.platform, LENGTHS.platform, { required: true });
  if (changes.acquisition_type !== undefined) checked.acquisition_type = checkOneOf('acquisition_type', changes.acquisition_type, ACQUISITION_TYPES);
  if (changes.acquired_at !== undefined) checked.acquired_at = checkDate('acquired_at', changes.acquired_at);
  if (changes.priority !== undefined) checked.priority = checkOptionalInteger('priority', changes.priority) ?? null;
  if (changes.notes !== undefined) checked.notes = checkOptionalText('notes', changes.notes) ?? null;
  if (Object.keys(checked).length === 0) throw validationError('changes', 'nothing to change: give at least one of platform, acquisition_type, acquired_at, priority, notes');
  return writeEntry(db, key, checked);
});

/** Soft delete: the entry stays, inactive, and can be restored. */
export const removeFromCollection = mapErrors(async (db: Db, key: OwnedRowKey): Promise<CollectionEntry> => writeEntry(db, key, { is_active: false }));

export const restoreToCollection = mapErrors(async (db: Db, key: OwnedRowKey): Promise<CollectionEntry> => writeEntry(db, key, { is_active: true }));

function writeEntry(db: Db, key: OwnedRowKey, changes: Updateable<UserGameCollection>): Promise<CollectionEntry> {
  return updateOwnedRow(db, key, 'collection entry', (trx, { id, userId }) =>
    trx.updateTable('user_game_collection').set(changes).where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst(),
  );
}

/**
 * A page of the user's collection, newest acquisition first, with keyset pagination on
 * (acquired_at, id): a page costs the same however deep it is (idx_collection_user_acquired).
 */
export const listCollection = mapErrors(async (db: Db, userId: string, filters: CollectionFilters = {}): Promise<CollectionPage> => {
  const user = checkUserId(userId);
  const limit = checkLimit(filters.limit, 50);
  const after = filters.after === undefined ? undefined : decodeCursor(filters.after);
  const active = filters.active ?? true;
  let query = db
    .selectFrom('user_game_collection as c')
    .innerJoin('games as g', 'g.id', 'c.game_id')
    .selectAll('c')
    .select(['g.title', 'g.cover_image_id'])
    // The cursor keeps PostgreSQL's microseconds, which a JavaScript Date would drop.
    .select(sql<string>`to_json(c.acquired_at) #>> '{}'`.as('cursor_acquired_at'))
    .where('c.user_id', '=', user);
  if (active !== 'any') query = query.where('c.is_active', '=', active);
  if (filters.platform !== undefined) query = query.where('c.platform', '=', checkText('platform', filters.platform, LENGTHS.platform));
  if (filters.priority !== undefined) query = query.where('c.priority', '=', checkOptionalInteger('priority', filters.priority) ?? null);
  const from = checkOptionalDate('acquiredFrom', filters.acquiredFrom);
  if (from) query = query.where('c.acquired_at', '>=', from);
  const before = checkOptionalDate('acquiredBefore', filters.acquiredBefore);
  if (before) query = query.where('c.acquired_at', '<', before);
  if (after) query = query.where((eb) => eb(eb.refTuple('c.acquired_at', 'c.id'), '<', eb.tuple(sql<Date>`${after.acquiredAt}::timestamptz`, after.id)));
  const { rows } = await withUser(db, user, (trx) => trx.executeQuery(query.orderBy('c.acquired_at', 'desc').orderBy('c.id', 'desc').limit(limit + 1)));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursor_acquired_at: _cursor, ...item }) => item),
    nextCursor: rows.length > limit && last ? encodeCursor({ acquiredAt: last.cursor_acquired_at, id: last.id }) : undefined,
  };
});

interface Cursor {
  acquiredAt: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.acquiredAt, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const [acquiredAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof acquiredAt === 'string' && !Number.isNaN(Date.parse(acquiredAt))) return { acquiredAt, id: checkUuid('after', id) };
  } catch {
    // falls through to the error below
  }
  throw validationError('after', 'after must be the nextCursor of a previous page');
}
