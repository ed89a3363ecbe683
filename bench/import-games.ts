/**
 * Throughput of the streamed COPY import (importGamesCsv) on a throw-away embedded PostgreSQL at
 * head: `--rows` generated CSV rows, never held in memory, imported twice (all inserts, then all
 * updates through ON CONFLICT games_igdb_id_key).
 *   npx tsx bench/import-games.ts [--rows 200000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { connect, disconnect } from '../src/db/connect.js';
import { startEmbeddedServer } from '../src/db/embedded-server.js';
import { csvLine, importGamesCsv } from '../src/repositories/game-import.js';
import { runToTarget } from '../src/runner/executor.js';
import { loadRevisions } from '../src/runner/load-revisions.js';
import { resolveUpgradeTarget } from '../src/runner/plan.js';
import { RevisionGraph } from '../src/runner/revision-graph.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const rows = Number(values.rows);

function* csv(pass: number): Generator<string> {
  yield csvLine(['igdb_id', 'title', 'description', 'release_date', 'main_story']);
  for (let i = 1; i <= rows; i += 1) {
    yield csvLine([i, `Imported game ${i} (pass ${pass})`, `A game about knights, dragons and space, number ${i}.`, `20${String(10 + (i % 15))}-0${1 + (i % 9)}-1${i % 9}`, 5 + (i % 60)]);
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'play-later-bench-'));
const server = await startEmbeddedServer({ dataDir, database: 'bench', durable: false });
const url = server.urlFor('bench');
try {
  const client = await connect(url);
  try {
    const graph = new RevisionGraph(await loadRevisions(path.join(ROOT, 'migrations')));
    const settings = { lockWaitMs: 30_000, lockTimeoutMs: 5_000, lockRetries: 3, statementTimeoutMs: 0 };
    await runToTarget({ client, graph, target: resolveUpgradeTarget(graph, 'heads', new Set()), settings, directUrl: url });
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
  } finally {
    await disconnect(client);
  }
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
