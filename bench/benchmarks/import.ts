import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { CopyWriter } from '../generate/copy-writer.js';
import { COLLECTION_COLUMNS, Dataset, GAME_COLUMNS, stableUuid, type Row } from '../generate/dataset.js';
import { median, round } from '../lib/measure.js';
import { target, type Benchmark, type Measurement } from '../lib/benchmark.js';

const IMPORT_NAMESPACE = 9;

/** How rows get in: bulk (COPY) or one INSERT per row, through the same code path. */
interface ImportPath {
  bulk(client: pg.Client, rows: Row[]): Promise<void>;
  oneByOne(client: pg.Client, rows: Row[]): Promise<void>;
}

function importPath(table: string, columns: readonly string[]): ImportPath {
  const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  return {
    async bulk(client, rows) {
      const writer = CopyWriter.open(client, table, columns);
      for (const row of rows) await writer.write(row);
      await writer.end();
    },
    async oneByOne(client, rows) {
      for (const row of rows) await client.query(insert, row);
    },
  };
}

/** New games past the data set's catalogue (ids and igdb ids do not collide with loaded rows). */
function newGames(dataset: Dataset, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => dataset.game(dataset.size.games + i));
}

/** New collection rows of users that do not exist yet, on existing games. */
function newCollectionRows(dataset: Dataset, count: number): Row[] {
  const rows: Row[] = [];
  for (let user = 0; rows.length < count; user += 1) {
    for (const row of dataset.userRows(user % dataset.size.users).collection) {
      if (rows.length === count) break;
      rows.push([stableUuid(IMPORT_NAMESPACE, user, rows.length), `bench-import-${user}`, ...row.slice(2)]);
    }
  }
  return rows;
}

export const benchmark: Benchmark = {
  name: 'import',
  title: 'Import: COPY vs one-row INSERTs, same rows, all indexes in place',
  async run(context) {
    const loaded = await context.dataset();
    const dataset = new Dataset(context.size);
    // Rows per pass: 5,000 at full size, 1,000 at small, never more than 10 x --runs (quick runs stay quick).
    const count = Math.min(context.size.name === 'full' ? 5_000 : 1_000, context.options.runs * 10);
    const client = await connect(loaded.url, { applicationName: 'play-later-bench' });
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = { rows: count, path: "the bench's COPY writer and a parameterized INSERT per row" };
    try {
      const cases = [
        { name: 'games', rows: newGames(dataset, count), table: 'games', path: importPath('games', GAME_COLUMNS) },
        { name: 'collection rows', rows: newCollectionRows(dataset, count), table: 'user_game_collection', path: importPath('user_game_collection', COLLECTION_COLUMNS) },
      ];
      for (const item of cases) {
        // Nothing references the imported rows, so the cleanup skips the foreign-key triggers: with
        // them, deleting a game scans all of user_game_collection (no index leads with game_id).
        const cleanup = (): Promise<unknown> =>
          client.query(`SET session_replication_role = replica; DELETE FROM ${item.table} WHERE id = ANY('{${item.rows.map((row) => row[0]).join(',')}}'::uuid[]); RESET session_replication_role`);
        await cleanup();
        const rates = { bulk: [] as number[], oneByOne: [] as number[] };
        for (let round_ = 0; round_ < Math.max(2, Math.min(context.options.pairs, 3)); round_ += 1) {
          for (const mode of round_ % 2 === 0 ? (['bulk', 'oneByOne'] as const) : (['oneByOne', 'bulk'] as const)) {
            context.log(`  ${item.name}: ${mode}`);
            const started = performance.now();
            await item.path[mode](client, item.rows);
            rates[mode].push(item.rows.length / ((performance.now() - started) / 1000));
            await cleanup();
          }
        }
        const bulk = median(rates.bulk);
        const single = median(rates.oneByOne);
        details[item.name] = { rowsPerSecond: rates };
        measurements.push({ name: `${item.name}: COPY vs one-row INSERT`, value: Math.round(bulk), unit: 'rows/s', baseline: Math.round(single), baselineLabel: 'INSERT', ratio: round(bulk / single, 1), target: '>= 10x', met: bulk / single >= 10 });
      }
      await client.query('VACUUM (ANALYZE) games, user_game_collection');
    } finally {
      await disconnect(client);
    }
    return { measurements, details };
  },
};
