import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { isFullScale } from '../generate/dataset.js';
import { distribution, round } from '../lib/measure.js';
import { target, type Benchmark, type Measurement } from '../lib/benchmark.js';
import { BIN, buildCli, PROJECT_ROOT, projectGraph, REVISIONS_DIR } from '../lib/revisions.js';

const INDEX = 'idx_bench_online_collection_game_acquired';
const WRITER_PLATFORM = 'BenchOnline';

/** A revision file that adds (and drops) the index, plainly (the seed's way) or CONCURRENTLY outside a transaction. */
function revisionSource(parent: string, concurrently: boolean): string {
  const how = concurrently ? 'CONCURRENTLY ' : '';
  return `import { sql, type Kysely } from 'kysely';
export const revision = '900_bench_online_index';
export const downRevision = '${parent}';
export const message = 'Bench: add an index on user_game_collection while it is written';
export const createDate = '2026-11-28T14:00:00Z';
${concurrently ? 'export const transactional = false;\n' : ''}export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw('CREATE INDEX ${how}${INDEX} ON user_game_collection (game_id, acquired_at)').execute(db);
}
export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('DROP INDEX ${how}IF EXISTS ${INDEX}').execute(db);
}
`;
}

function cli(args: string[]): Promise<{ code: number | null; stderr: string; seconds: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** Inserts one row at a time, as fast as it can, recording each write's latency until stopped. */
function startWriter(client: pg.Client, users: string[], games: string[]): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const started = performance.now();
      await client.query(
        `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active) VALUES ($1, $2, $3, 'DIGITAL', now() - interval '1 day', true) ON CONFLICT DO NOTHING`,
        [users[i % users.length], games[i % games.length], `${WRITER_PLATFORM}${Math.floor(i / games.length)}`],
      );
      latencies.push(performance.now() - started);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}

export const benchmark: Benchmark = {
  name: 'online-index',
  title: 'Online index build under a continuous writer: plain CREATE INDEX vs a non-transactional CONCURRENTLY revision',
  async run(context) {
    buildCli();
    const dataset = await context.dataset();
    const graph = await projectGraph();
    const parent = graph.heads[0]!;
    const admin = await connect(dataset.url, { applicationName: 'play-later-bench' });
    const writerClient = await connect(dataset.url, { applicationName: 'play-later-bench-writer' });
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {};
    try {
      const users = (await admin.query<{ user_id: string }>('SELECT DISTINCT user_id FROM user_game_collection LIMIT 200')).rows.map((r) => r.user_id);
      const games = (await admin.query<{ id: string }>('SELECT id FROM games LIMIT 2000')).rows.map((r) => r.id);
      // Control: the same writer with no DDL at all, for as long as a build takes: on a shared
      // machine a write can stall without any lock, and this says how long.
      context.log('  control: the writer alone');
      const control = startWriter(writerClient, users, games);
      await new Promise((resolve) => setTimeout(resolve, isFullScale(context.size) ? 20_000 : 3_000));
      const alone = distribution(await control.stop());
      await admin.query(`DELETE FROM user_game_collection WHERE platform LIKE '${WRITER_PLATFORM}%'`);
      details.writerAlone = alone;
      for (const concurrently of [false, true]) {
        const label = concurrently ? 'CONCURRENTLY, non-transactional revision' : 'plain CREATE INDEX (seed way)';
        context.log(`  ${label}`);
        const folder = mkdtempSync(path.join(os.tmpdir(), 'play-later-bench-online-'));
        for (const file of readdirSync(REVISIONS_DIR).filter((name) => name.endsWith('.ts'))) copyFileSync(path.join(REVISIONS_DIR, file), path.join(folder, file));
        writeFileSync(path.join(folder, '20261128_1400_900_bench_online_index_bench_online_index.ts'), revisionSource(parent, concurrently));
        const common = ['-d', dataset.url, '--revisions-dir', folder, '--quiet'];
        try {
          const writer = startWriter(writerClient, users, games);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const upgrade = await cli(['upgrade', 'heads', ...common]);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const latencies = await writer.stop();
          const writes = distribution(latencies);
          const blocked = latencies.filter((ms) => ms > 100).length;
          details[concurrently ? 'concurrently' : 'plain'] = { writes, writesOver100ms: blocked, buildSeconds: round(upgrade.seconds, 2), exit: upgrade.code, stderr: upgrade.stderr.slice(-600) };
          if (upgrade.code !== 0) {
            measurements.push({ name: `${label}: max write latency`, value: null, unit: 'ms', note: `the revision failed: ${upgrade.stderr.trim().split('\n')[0]}`, target: 'no write > 100 ms', met: false });
            continue;
          }
          measurements.push({ name: `${label}: max write latency`, value: writes.max, unit: 'ms', baseline: alone.max, baselineLabel: 'writer alone', note: `${writes.runs} writes, ${blocked} over 100 ms, build ${round(upgrade.seconds, 1)} s`, ...(concurrently ? target(writes.max, 100, 'no write > 100 ms') : {}) });
          measurements.push({ name: `${label}: p99 write latency`, value: writes.p99, unit: 'ms', baseline: alone.p99, baselineLabel: 'writer alone' });
        } finally {
          await cli(['downgrade', parent, ...common]);
          await admin.query(`DROP INDEX IF EXISTS ${INDEX}`);
          await admin.query(`DELETE FROM user_game_collection WHERE platform LIKE '${WRITER_PLATFORM}%'`);
          rmSync(folder, { recursive: true, force: true });
        }
      }
    } finally {
      await disconnect(writerClient);
      await disconnect(admin);
    }
    return { measurements, details };
  },
};
