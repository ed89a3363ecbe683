import { Readable } from 'node:stream';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { addManyToCollection, addToCollection, type AcquisitionType, type CollectionEntryInput } from '../../src/repositories/collection.repository.js';
import { createDatabase, type Db } from '../../src/repositories/connection.js';
import { csvLine, IMPORT_COLUMNS, importGamesCsv } from '../../src/repositories/game-import.js';
import { upsertGame, type GameInput } from '../../src/repositories/games.repository.js';
import { startManyPlaythroughs, startPlaythrough, type StartPlaythroughInput } from '../../src/repositories/playthroughs.repository.js';
import { COLLECTION_COLUMNS, Dataset, GAME_COLUMNS, isFullScale, PLAYTHROUGH_COLUMNS, type Row } from '../generate/dataset.js';
import { median, round } from '../lib/measure.js';
import type { Benchmark, Measurement } from '../lib/benchmark.js';

const IMPORT_IGDB_BASE = 50_000_000;

/** How the same rows get in, through the data layer: its bulk path or one row per call. */
interface ImportCase {
  name: string;
  bulk(client: pg.Client, db: Db): Promise<void>;
  oneByOne(client: pg.Client, db: Db): Promise<void>;
  /** Removes the imported rows; nothing references them, so foreign-key triggers are skipped. */
  cleanup(client: pg.Client): Promise<unknown>;
  rows: number;
}

/** New games past the data set's catalogue, as the repository takes them (igdb_id is its key). */
function newGames(dataset: Dataset, count: number): GameInput[] {
  return Array.from({ length: count }, (_, i) => {
    const row = dataset.game(dataset.size.games + i);
    const field = (column: (typeof GAME_COLUMNS)[number]): Row[number] => row[GAME_COLUMNS.indexOf(column)]!;
    const number = (column: (typeof GAME_COLUMNS)[number]): number | null => (field(column) === null ? null : Number(field(column)));
    return {
      igdb_id: IMPORT_IGDB_BASE + i,
      title: String(field('title')),
      hltb_id: number('hltb_id'),
      steam_app_id: number('steam_app_id'),
      description: field('description') === null ? null : String(field('description')),
      cover_image_id: String(field('cover_image_id')),
      release_date: String(field('release_date')),
      main_story: number('main_story'),
      main_extra: number('main_extra'),
      completionist: number('completionist'),
    };
  });
}

function gamesCase(games: GameInput[]): ImportCase {
  return {
    name: 'games',
    rows: games.length,
    // The data layer's bulk path: a CSV streamed through COPY into a staging table, then upserted.
    bulk: async (client) => {
      const lines = [csvLine([...IMPORT_COLUMNS]), ...games.map((game) => csvLine(IMPORT_COLUMNS.map((column) => game[column] ?? null)))];
      await importGamesCsv(client, Readable.from(lines));
    },
    oneByOne: async (_client, db) => {
      for (const game of games) await upsertGame(db, game);
    },
    cleanup: (client) =>
      client.query(`SET session_replication_role = replica; DELETE FROM games WHERE igdb_id >= ${IMPORT_IGDB_BASE}; RESET session_replication_role`),
  };
}

/** Rows of the data set (collection or playthroughs) moved to users that do not exist yet. */
function newUserRows(dataset: Dataset, count: number, kind: 'collection' | 'playthroughs'): Row[] {
  const rows: Row[] = [];
  for (let user = 0; rows.length < count; user += 1) {
    for (const row of dataset.userRows(user % dataset.size.users)[kind]) {
      if (rows.length === count) break;
      rows.push([row[0]!, `bench-import-${user}`, ...row.slice(2)]);
    }
  }
  return rows;
}

/** The rows of bench-import-* users: nothing references them, so foreign-key triggers are skipped. */
function cleanupUsers(table: string) {
  return (client: pg.Client) =>
    client.query(
      `SET session_replication_role = replica; DELETE FROM ${table} WHERE user_id LIKE 'bench-import-%'; DELETE FROM user_game_stats WHERE user_id LIKE 'bench-import-%'; RESET session_replication_role`,
    );
}

/** New collection entries of users that do not exist yet, on existing games. */
function collectionCase(dataset: Dataset, count: number): ImportCase {
  const entries = newUserRows(dataset, count, 'collection').map((row): CollectionEntryInput => {
    const field = (column: (typeof COLLECTION_COLUMNS)[number]): Row[number] => row[COLLECTION_COLUMNS.indexOf(column)]!;
    return {
      user_id: String(field('user_id')),
      game_id: String(field('game_id')),
      platform: String(field('platform')),
      acquisition_type: field('acquisition_type') as AcquisitionType,
      acquired_at: new Date(String(field('acquired_at'))),
      priority: field('priority') === null ? null : Number(field('priority')),
      notes: field('notes') === null ? null : String(field('notes')),
    };
  });
  return {
    name: 'collection rows',
    rows: entries.length,
    // addManyToCollection: one INSERT … FROM unnest and one stats refresh per user, in one transaction.
    bulk: async (_client, db) => {
      await addManyToCollection(db, entries);
    },
    // addToCollection: one INSERT and that user's stats refresh, in one transaction per row.
    oneByOne: async (_client, db) => {
      for (const entry of entries) await addToCollection(db, entry);
    },
    cleanup: cleanupUsers('user_game_collection'),
  };
}

/** New playthroughs (started or planned) of users that do not exist yet, on existing games. */
function playthroughsCase(dataset: Dataset, count: number): ImportCase {
  const playthroughs = newUserRows(dataset, count, 'playthroughs').map((row): StartPlaythroughInput => {
    const field = (column: (typeof PLAYTHROUGH_COLUMNS)[number]): Row[number] => row[PLAYTHROUGH_COLUMNS.indexOf(column)]!;
    const text = (column: (typeof PLAYTHROUGH_COLUMNS)[number]): string | null => (field(column) === null ? null : String(field(column)));
    const status = field('status') === 'PLANNING' ? 'PLANNING' : 'PLAYING';
    return {
      user_id: String(field('user_id')),
      game_id: String(field('game_id')),
      platform: String(field('platform')),
      status,
      started_at: status === 'PLAYING' && field('started_at') !== null ? new Date(String(field('started_at'))) : null,
      playthrough_type: text('playthrough_type'),
      difficulty: text('difficulty'),
      notes: text('notes'),
    };
  });
  return {
    name: 'playthroughs',
    rows: playthroughs.length,
    bulk: async (_client, db) => {
      await startManyPlaythroughs(db, playthroughs);
    },
    oneByOne: async (_client, db) => {
      for (const playthrough of playthroughs) await startPlaythrough(db, playthrough);
    },
    cleanup: cleanupUsers('game_playthrough'),
  };
}

export const benchmark: Benchmark = {
  name: 'import',
  title: 'Import through the data layer: bulk paths vs one row per call, same rows, all indexes in place',
  async run(context) {
    const loaded = await context.dataset();
    const dataset = new Dataset(context.size);
    // Rows per pass: 5,000 at full size, 1,000 at small, never more than 10 x --runs (quick runs stay quick).
    const count = Math.min(isFullScale(context.size) ? 5_000 : 1_000, context.options.runs * 10);
    const client = await connect(loaded.url, { applicationName: 'play-later-bench' });
    const db = createDatabase(loaded.url, { max: 1 });
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {
      rows: count,
      paths: {
        games: 'importGamesCsv (CSV through COPY into a staging table; changed games updated, new ones inserted by one INSERT … SELECT, GIN entries still pending merged at the end) vs upsertGame per row',
        collection: "addManyToCollection (one INSERT … FROM unnest, one refresh_user_stats per user touched, one transaction) vs addToCollection per row (insert + that user's stats refresh)",
        playthroughs: "startManyPlaythroughs (the same bulk path) vs startPlaythrough per row (insert + that user's stats refresh)",
      },
    };
    try {
      for (const item of [gamesCase(newGames(dataset, count)), collectionCase(dataset, count), playthroughsCase(dataset, count)]) {
        await item.cleanup(client);
        const rates = { bulk: [] as number[], oneByOne: [] as number[] };
        for (let pass = 0; pass < Math.max(2, Math.min(context.options.pairs, 3)); pass += 1) {
          for (const mode of pass % 2 === 0 ? (['bulk', 'oneByOne'] as const) : (['oneByOne', 'bulk'] as const)) {
            context.log(`  ${item.name}: ${mode}`);
            const started = performance.now();
            await item[mode](client, db);
            rates[mode].push(item.rows / ((performance.now() - started) / 1000));
            await item.cleanup(client);
          }
        }
        const bulk = median(rates.bulk);
        const single = median(rates.oneByOne);
        details[item.name] = { rowsPerSecond: rates };
        measurements.push({ name: `${item.name}: bulk vs one row per call`, value: Math.round(bulk), unit: 'rows/s', baseline: Math.round(single), baselineLabel: 'one per call', ratio: round(bulk / single, 1), target: '>= 10x', met: bulk / single >= 10 });
      }
      await client.query('VACUUM (ANALYZE) games, user_game_collection, game_playthrough');
    } finally {
      await db.destroy();
      await disconnect(client);
    }
    return { measurements, details };
  },
};
