import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from './connection.js';
import type { Games } from './database.js';
import { mapErrors, validationError } from './database-errors.js';
import { withUser } from './row-security.js';
import { COLUMN_LENGTHS, checkInteger, checkLimit, checkOptionalInteger, checkOptionalText, checkText, checkUuid } from './validate-input.js';

/** A game as the app reads it: without the search columns, which only search_games() needs. */
export type Game = Omit<Selectable<Games>, 'search_vector' | 'search_class' | 'search_bucket'>;
const GAME_COLUMNS = [
  'id', 'igdb_id', 'hltb_id', 'steam_app_id', 'title', 'description', 'cover_image_id', 'release_date', 'main_story', 'main_extra', 'completionist', 'created_at', 'updated_at',
] as const satisfies readonly (keyof Game)[];

/** A game as the catalog (IGDB) describes it; igdb_id is the natural key. */
export interface GameInput {
  igdb_id: number;
  title: string;
  hltb_id?: number | null;
  steam_app_id?: number | null;
  description?: string | null;
  cover_image_id?: string | null;
  /** YYYY-MM-DD */
  release_date?: string | null;
  main_story?: number | null;
  main_extra?: number | null;
  completionist?: number | null;
}

/** One row of search_games(): one per game since the correction of the seed's duplicate rows. */
export interface GameSearchResult {
  id: string;
  title: string;
  cover_image_id: string | null;
  /** The day as stored, YYYY-MM-DD (src/db/date-values.ts). */
  release_date: string | null;
  owned: boolean;
  search_rank: number;
}

export const MAX_SEARCH_QUERY_LENGTH = 200;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const getGame = mapErrors(async (db: Db, id: string): Promise<Game | undefined> => {
  checkUuid('id', id);
  return db.selectFrom('games').select(GAME_COLUMNS).where('id', '=', id).executeTakeFirst();
});

/** The checked row for games; shared by upsertGame and the COPY import. */
export function checkGameInput(input: GameInput): Insertable<Games> {
  const hours = { min: 0 };
  const releaseDate = input.release_date ?? null;
  if (releaseDate !== null && (!DATE.test(releaseDate) || Number.isNaN(Date.parse(`${releaseDate}T00:00:00Z`)))) {
    throw validationError('release_date', `release_date must be a date YYYY-MM-DD (got ${JSON.stringify(releaseDate)})`);
  }
  return {
    igdb_id: checkInteger('igdb_id', input.igdb_id, { min: 1 }),
    title: checkText('title', input.title, COLUMN_LENGTHS.games.title, { required: true }),
    hltb_id: checkOptionalInteger('hltb_id', input.hltb_id, { min: 1 }) ?? null,
    steam_app_id: checkOptionalInteger('steam_app_id', input.steam_app_id, { min: 1 }) ?? null,
    description: checkOptionalText('description', input.description) ?? null,
    cover_image_id: checkOptionalText('cover_image_id', input.cover_image_id, COLUMN_LENGTHS.games.cover_image_id) ?? null,
    release_date: releaseDate,
    main_story: checkOptionalInteger('main_story', input.main_story, hours) ?? null,
    main_extra: checkOptionalInteger('main_extra', input.main_extra, hours) ?? null,
    completionist: checkOptionalInteger('completionist', input.completionist, hours) ?? null,
  };
}

/** Inserts the game, or updates the one with the same igdb_id (conflict target: games_igdb_id_key). */
export const upsertGame = mapErrors(async (db: Db, input: GameInput): Promise<Game> => {
  const row = checkGameInput(input);
  const { igdb_id: _naturalKey, ...changes } = row;
  return db
    .insertInto('games')
    .values(row)
    .onConflict((conflict) => conflict.constraint('games_igdb_id_key').doUpdateSet(changes))
    .returning(GAME_COLUMNS)
    .executeTakeFirstOrThrow();
});

/**
 * Full-text search through search_games(): ranked, one row per game, `owned` for `userId`.
 * An empty query, or one of stop words only (which matches nothing), is a validation error.
 */
export const searchGames = mapErrors(
  async (db: Db, options: { query: string; userId?: string; limit?: number }): Promise<GameSearchResult[]> => {
    const query = checkText('query', options.query, MAX_SEARCH_QUERY_LENGTH, { required: true });
    const userId = checkOptionalText('userId', options.userId, COLUMN_LENGTHS.user_game_collection.user_id) ?? null;
    const limit = checkLimit(options.limit, 20);
    // Acting for the user: `owned` reads the collection, which row-level security shows only to its user.
    const search = db.selectFrom(sql<GameSearchResult>`search_games(${query}, ${userId}, ${limit})`.as('found')).selectAll();
    const rows = userId === null ? await search.execute() : (await withUser(db, userId, (trx) => trx.executeQuery(search))).rows;
    if (rows.length === 0) await rejectEmptyQuery(db, query);
    return rows;
  },
);

/** Only asked when nothing matched, so a normal search costs one round trip. */
async function rejectEmptyQuery(db: Db, query: string): Promise<void> {
  const { nodes } = await db
    .selectNoFrom(sql<number>`numnode(plainto_tsquery('english', ${query}))`.as('nodes'))
    .executeTakeFirstOrThrow();
  if (nodes === 0) throw validationError('query', `query "${query}" has only stop words (or no words): it matches nothing; search for a title word`);
}

/**
 * Recomputes every game's popularity class (active owners) and the search buckets, writing only
 * the games that changed (refresh_game_search_order(), revision 016); returns how many. The
 * schema owner's job (or a member's): the app role may not, the function counts every user's rows.
 */
export const refreshSearchOrder = mapErrors(async (db: Db): Promise<number> => {
  const { rows } = await sql<{ changed: string }>`SELECT refresh_game_search_order() AS changed`.execute(db);
  return Number(rows[0]?.changed ?? 0);
});
