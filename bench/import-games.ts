/**
 * Throughput of the streamed COPY import (importGamesCsv) on a throw-away embedded PostgreSQL at
 * head: `--rows` generated CSV rows, never held in memory, imported twice (all inserts, then all
 * updates through ON CONFLICT games_igdb_id_key).
 *   npx tsx bench/import-games.ts [--rows 200000]
 */
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { csvLine, importGamesCsv } from '../src/repositories/game-import.js';
import { withHeadOnThrowawayServer } from '../scripts/lib/throwaway-head.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const rows = Number(values.rows);

function* csv(pass: number): Generator<string> {
  yield csvLine(['igdb_id', 'title', 'description', 'release_date', 'main_story']);
  for (let i = 1; i <= rows; i += 1) {
    yield csvLine([i, `Imported game ${i} (pass ${pass})`, `A game about knights, dragons and space, number ${i}.`, `20${String(10 + (i % 15))}-0${1 + (i % 9)}-1${i % 9}`, 5 + (i % 60)]);
  }
}

await withHeadOnThrowawayServer('bench', async (_url, client) => {
  const results = [];
  for (const pass of [1, 2]) {
    const started = performance.now();
    // The last progress report comes when COPY has taken every row; the rest is the upsert into games.
    let copiedAt = started;
    const result = await importGamesCsv(client, Readable.from(csv(pass)), {
      progressEvery: 50_000,
      onProgress: ({ rows: done }) => {
        copiedAt = performance.now();
        process.stderr.write(`pass ${pass}: ${done} rows read\n`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const copySeconds = Math.round((copiedAt - started) / 10) / 100;
    results.push({ pass, ...result, seconds: Math.round(seconds * 100) / 100, copySeconds, rowsPerSecond: Math.round(result.rows / seconds) });
  }
  const memoryMb = Math.round(process.memoryUsage().rss / 1_048_576);
  process.stdout.write(`${JSON.stringify({ measuredAt: new Date().toISOString(), rows, results, rssMb: memoryMb }, null, 2)}\n`);
});
