/**
 * Where the bulk games import spends its time at a given catalogue size: the INSERT … SELECT that
 * importGamesCsv runs for new games, under EXPLAIN (ANALYZE, BUFFERS), as shipped and with each GIN
 * index dropped, every variant rolled back (nothing stays). New games come from the benchmark's
 * generator, past the data set's catalogue, as `npm run bench -- import` makes them.
 *   PLAY_LATER_BENCH_URL=postgresql://…/postgres npx tsx bench/import-games-explain.ts [--size full] [--rows 5000]
 * The URL's server must hold the loaded data set of that size (npm run bench -- import --size full
 * loads it; the benchmark's embedded server is started by `npm run bench`, and stopped after it).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { connect, disconnect } from '../src/db/connect.js';
import { withDatabase } from '../src/db/database-url.js';
import { csvLine } from '../src/repositories/game-import.js';
import { Dataset, GAME_COLUMNS, SIZES, type SizeName } from './generate/dataset.js';
import { BENCH_URL_VARIABLE } from './run.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: 'full' }, rows: { type: 'string', default: '5000' } } });
const url = process.env[BENCH_URL_VARIABLE];
if (!url || !Object.hasOwn(SIZES, values.size)) {
  console.error(`Set ${BENCH_URL_VARIABLE} to the benchmark server's URL; --size is one of ${Object.keys(SIZES).join(', ')}.`);
  process.exit(2);
}
const size = SIZES[values.size as SizeName];
const dataset = new Dataset(size);
const COLUMNS = ['igdb_id', 'title', 'description'] as const;
const VARIANTS: Record<string, string> = {
  'as shipped, first run': '',
  'as shipped': '',
  'without idx_games_search_keys': 'DROP INDEX idx_games_search_keys',
  'without idx_games_title_search': 'DROP INDEX idx_games_title_search',
};

const client = await connect(withDatabase(url, `plt_bench_${size.name}`));
try {
  await client.query('BEGIN');
  await client.query('CREATE TEMP TABLE new_games (LIKE games INCLUDING DEFAULTS) ON COMMIT DROP');
  const lines = Array.from({ length: Number(values.rows) }, (_, i) => {
    const row = dataset.game(size.games + i);
    return csvLine([90_000_000 + i, row[GAME_COLUMNS.indexOf('title')]!, row[GAME_COLUMNS.indexOf('description')]!]);
  });
  await pipeline(Readable.from(lines), client.query(copyFrom(`COPY new_games (${COLUMNS.join(', ')}) FROM STDIN (FORMAT csv)`)));
  for (const [name, setup] of Object.entries(VARIANTS)) {
    await client.query('SAVEPOINT variant');
    if (setup) await client.query(setup);
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) INSERT INTO games (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM new_games`,
    );
    const text = plan.rows.map((row) => row['QUERY PLAN']);
    const ms = Number(/Execution Time: ([\d.]+)/.exec(text.join('\n'))?.[1]);
    console.log(`${name.padEnd(32)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${(ms / lines.length).toFixed(2)} ms/game  ${text[1]?.trim() ?? ''}`);
    await client.query('ROLLBACK TO SAVEPOINT variant');
  }
  await client.query('ROLLBACK');
} finally {
  await disconnect(client);
}
