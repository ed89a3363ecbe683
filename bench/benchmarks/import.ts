import { Readable } from 'node:stream';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { addToCollection } from '../../src/repositories/collection.repository.js';
import { createDatabase, type Db } from '../../src/repositories/connection.js';
import { csvLine, IMPORT_COLUMNS, importGamesCsv } from '../../src/repositories/game-import.js';
import { upsertGame, type GameInput } from '../../src/repositories/games.repository.js';
import { CopyWriter } from '../generate/copy-writer.js';
import { COLLECTION_COLUMNS, Dataset, GAME_COLUMNS, stableUuid, type Row } from '../generate/dataset.js';
import { median, round } from '../lib/measure.js';
import type { Benchmark, Measurement } from '../lib/benchmark.js';

const IMPORT_NAMESPACE = 9;
const IMPORT_IGDB_BASE = 50_000_000;

/** How the same rows get in: in bulk (COPY) or one row per call, through the data layer. */
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

/** New collection rows of users that do not exist yet, on existing games. */
function collectionCase(dataset: Dataset, count: number): ImportCase {
  const rows: Row[] = [];
  for (let user = 0; rows.length < count; user += 1) {
    for (const row of dataset.userRows(user % dataset.size.users).collection) {
      if (rows.length === count) break;
      rows.push([stableUuid(IMPORT_NAMESPACE, user, rows.length), `bench-import-${user}`, ...row.slice(2)]);
    }
  }
  const users = [...new Set(rows.map((row) => String(row[1])))];
  return {
    name: 'collection rows',
    rows: rows.length,
    // The data layer has no bulk path for collection rows: COPY, then the users' stats, as it would.
    bulk: async (client) => {
      const writer = CopyWriter.open(client, 'user_game_collection', COLLECTION_COLUMNS);
      for (const row of rows) await writer.write(row);
      await writer.end();
      await client.query('SELECT refresh_user_stats(u) FROM unnest($1::varchar[]) AS u', [users]);
    },
    // addToCollection: one INSERT and that user's stats refresh, in one transaction per row.
    oneByOne: async (_client, db) => {
      for (const row of rows) {
        const field = (column: (typeof COLLECTION_COLUMNS)[number]): Row[number] => row[COLLECTION_COLUMNS.indexOf(column)]!;
        await addToCollection(db, {
          user_id: String(field('user_id')),
          game_id: String(field('game_id')),
          platform: String(field('platform')),
          acquisition_type: field('acquisition_type') as 'DIGITAL',
          acquired_at: new Date(String(field('acquired_at'))),
          priority: field('priority') === null ? null : Number(field('priority')),
          notes: field('notes') === null ? null : String(field('notes')),
        });
      }
    },
    cleanup: (client) =>
      client.query(
        `SET session_replication_role = replica; DELETE FROM user_game_collection WHERE user_id LIKE 'bench-import-%'; DELETE FROM user_game_stats WHERE user_id LIKE 'bench-import-%'; RESET session_replication_role`,
      ),
  };
}

export const benchmark: Benchmark = {
  name: 'import',
  title: 'Import through the data layer: bulk COPY vs one row per call, same rows, all indexes in place',
  async run(context) {
    const loaded = await context.dataset();
    const dataset = new Dataset(context.size);
    // Rows per pass: 5,000 at full size, 1,000 at small, never more than 10 x --runs (quick runs stay quick).
    const count = Math.min(context.size.name === 'full' ? 5_000 : 1_000, context.options.runs * 10);
    const client = await connect(loaded.url, { applicationName: 'play-later-bench' });
    const db = createDatabase(loaded.url, { max: 1 });
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {
      rows: count,
      paths: {
        games: 'importGamesCsv (CSV through COPY into a staging table, then upsert) vs upsertGame per row',
        collection: "the bench's COPY + refresh_user_stats per user (the data layer has no bulk path) vs addToCollection per row (insert + that user's stats refresh)",
      },
    };
    try {
      for (const item of [gamesCase(newGames(dataset, count)), collectionCase(dataset, count)]) {
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
      await client.query('VACUUM (ANALYZE) games, user_game_collection');
    } finally {
      await db.destroy();
      await disconnect(client);
    }
    return { measurements, details };
  },
};
