import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { kyselyOn } from '../runner/single-connection-kysely.js';
import type { Database } from '../repositories/connection.js';
import { IMPORT_COLUMNS, csvLine, importGamesCsv } from '../repositories/game-import.js';
import { refreshSearchOrder } from '../repositories/games.repository.js';
import { refreshStatsOfUsers } from '../repositories/stats.repository.js';
import { DEMO_USERS, demoDataSet } from './demo-data-set.js';
import { plural } from '../plural.js';

export interface DemoLoadResult {
  games: number;
  collectionAdded: number;
  playthroughsAdded: number;
  users: number;
}

/**
 * Loads the demo data set; idempotent: games are upserted by igdb_id (through the COPY import),
 * collection entries and playthroughs have stable ids and are only added when missing, and the
 * demo users' stats and the search order are refreshed.
 */
export async function loadDemoData(client: pg.Client, log: (line: string) => void = () => undefined): Promise<DemoLoadResult> {
  const data = demoDataSet();
  const csv = [csvLine([...IMPORT_COLUMNS]), ...data.games.map((game) => csvLine(IMPORT_COLUMNS.map((column) => game[column] ?? null)))];
  const imported = await importGamesCsv(client, Readable.from(csv), { progressEvery: 100, onProgress: ({ rows }) => log(`games: ${plural(rows, 'row')} read`) });
  log(`games: ${imported.inserted} added, ${imported.updated} updated`);

  const db = kyselyOn(client) as Kysely<Database>;
  return db.transaction().execute(async (trx) => {
    const gameIds = new Map(
      (await trx.selectFrom('games').select(['id', 'igdb_id']).where('igdb_id', 'in', data.games.map((game) => game.igdb_id)).execute()).map((row) => [row.igdb_id, row.id]),
    );
    const gameId = (igdbId: number): string => gameIds.get(igdbId) as string;
    const collection = await trx
      .insertInto('user_game_collection')
      .values(data.collection.map(({ igdb_id, ...entry }) => ({ ...entry, game_id: gameId(igdb_id) })))
      .onConflict((conflict) => conflict.columns(['user_id', 'id']).doNothing()) // the primary key since 014
      .executeTakeFirst();
    const playthroughs = await trx
      .insertInto('game_playthrough')
      .values(data.playthroughs.map(({ igdb_id, ...playthrough }) => ({ ...playthrough, game_id: gameId(igdb_id) })))
      .onConflict((conflict) => conflict.columns(['user_id', 'id']).doNothing()) // the primary key since 014
      .executeTakeFirst();
    await refreshStatsOfUsers(trx, DEMO_USERS.map((user) => user.id));
    // The owners just added make games popular: search_games orders by it.
    await refreshSearchOrder(trx);
    const result = {
      games: data.games.length,
      collectionAdded: Number(collection.numInsertedOrUpdatedRows ?? 0n),
      playthroughsAdded: Number(playthroughs.numInsertedOrUpdatedRows ?? 0n),
      users: DEMO_USERS.length,
    };
    log(`collection: ${result.collectionAdded} of ${data.collection.length} added; playthroughs: ${result.playthroughsAdded} of ${data.playthroughs.length} added`);
    return result;
  });
}
