/**
 * What a batched background migration (src/background/) costs the app, on the HA test cluster
 * (scripts/ci/start-ha-cluster.sh): the same single-row writes of the app, first alone, then while
 * `background run` backfills a new column over the whole collection, side by side in one run:
 * `--pairs` windows of each, alternating, `--seconds` in all for each side. Reports the writes'
 * p50/p99 on both sides, their ratio (target: p99 within 1.5x), and the highest replica replay_lag
 * seen during the backfill (then finished unless --no-finish) against the throttle's limit.
 *   source scripts/ci/start-ha-cluster.sh
 *   npx tsx bench/background-backfill.ts [--rows 2500000] [--seconds 60] [--pairs 6] [--no-finish] [--batch-size 1000] [--batch-ms 5] [--max-lag-ms 1000] [--sleep-coef 3]
 * Prints a JSON summary and writes it to bench/results/background-backfill.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { enqueueBackgroundMigrations, listBackgroundMigrations, setPaused } from '../src/background/background-migration.js';
import { DEFAULT_THROTTLE, runBackgroundMigrations } from '../src/background/run-batches.js';
import { connect, disconnect } from '../src/db/connect.js';
import { withDatabase } from '../src/db/database-url.js';
import { distribution } from './lib/measure.js';
import { upgradeDatabase } from './lib/revisions.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2500000' },
    seconds: { type: 'string', default: '60' },
    pairs: { type: 'string', default: '6' },
    'no-finish': { type: 'boolean', default: false },
    'batch-size': { type: 'string', default: '1000' },
    'batch-ms': { type: 'string', default: String(DEFAULT_THROTTLE.batchTimeMs) },
    'max-lag-ms': { type: 'string', default: '1000' },
    'sleep-coef': { type: 'string', default: String(DEFAULT_THROTTLE.sleepCoefficient) },
  },
});
const rows = Number(values.rows);
const seconds = Number(values.seconds);
const pairs = Number(values.pairs);
const batchSize = Number(values['batch-size']);
const batchTimeMs = Number(values['batch-ms']);
const finish = !values['no-finish'];
const maxReplayLagMs = Number(values['max-lag-ms']);
const sleepCoefficient = Number(values['sleep-coef']);
const urls = process.env.PLAY_LATER_TEST_CLUSTER_URLS?.split(' ');
if (!urls) {
  process.stderr.write('Set PLAY_LATER_TEST_CLUSTER_URLS (source scripts/ci/start-ha-cluster.sh).\n');
  process.exit(2);
}

async function findPrimary(candidates: readonly string[]): Promise<string> {
  for (const url of candidates) {
    const client = await connect(url);
    try {
      if (!(await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r) return url;
    } finally {
      await disconnect(client);
    }
  }
  throw new Error('no primary among PLAY_LATER_TEST_CLUSTER_URLS');
}

/** The app's write: one collection row of a random user, as the data layer updates it. */
async function appWrites(client: pg.Client, untilMs: number, done: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (Date.now() < untilMs && !done()) {
    const user = `u${Math.floor(Math.random() * (rows / 25))}`;
    const started = performance.now();
    await client.query(`UPDATE user_game_collection SET notes = $2 WHERE user_id = $1 AND platform = 'PS5'`, [user, `edited ${samples.length}`]);
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return samples;
}

const primary = await findPrimary(urls);
const database = `plt_bench_backfill_${randomBytes(3).toString('hex')}`;
const admin = await connect(primary);
await admin.query(`CREATE DATABASE ${database}`);
const url = withDatabase(primary, database);
try {
  await upgradeDatabase(url);
  const client = await connect(url);
  const loadStarted = performance.now();
  await client.query(`INSERT INTO games (igdb_id, title) SELECT g, 'Bench game ' || g FROM generate_series(1, 20000) g`);
  await client.query(
    `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
     SELECT 'u' || (i / 25), (SELECT id FROM games WHERE igdb_id = 1 + (i * 37) % 20000), (ARRAY['PS5','Steam','Xbox','Switch'])[1 + i % 4], 'DIGITAL', now() - interval '1 day'
       FROM generate_series(0, $1::integer - 1) i`,
    [rows],
  );
  await client.query('ALTER TABLE user_game_collection ADD COLUMN bench_platform_length integer');
  await client.query('VACUUM ANALYZE user_game_collection');
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  await enqueueBackgroundMigrations(client, 'bench', [
    { name: 'bench_backfill', table: 'user_game_collection', keyColumns: ['user_id', 'id'], set: 'bench_platform_length = length(platform)', where: 't.bench_platform_length IS NULL', batchSize },
  ]);

  const app = await connect(url);
  const control = await connect(url);
  const runner = await connect(url);
  const throttle = { ...DEFAULT_THROTTLE, maxReplayLagMs, sleepCoefficient, batchTimeMs };
  let maxLagMs = 0;
  let sampling = false;
  const lagSampler = setInterval(() => {
    if (!sampling) return;
    void client
      .query<{ lag: number | null }>(`SELECT max(extract(epoch FROM replay_lag) * 1000)::float8 AS lag FROM pg_stat_replication`)
      .then((result) => (maxLagMs = Math.max(maxLagMs, result.rows[0]!.lag ?? 0)));
  }, 200);

  // Alone and during alternate (ABBA: alone, during, during, alone, …) in windows of
  // seconds / pairs, so both see the same machine: a drift of the shared machine's load over
  // the run lands on both sides instead of on one. Between windows the backfill is paused and
  // resumed with the same calls as `background pause` / `background resume`.
  const alone: number[] = [];
  const during: number[] = [];
  let finished = false;
  let backfillSeconds = 0;
  const windowMs = (seconds * 1000) / pairs;
  const order = Array.from({ length: pairs }, (_, i) => (i % 2 === 0 ? ['alone', 'during'] : ['during', 'alone'])).flat();
  for (const phase of order) {
    if (phase === 'alone' || finished) {
      alone.push(...(await appWrites(app, Date.now() + windowMs, () => false)));
      continue;
    }
    await setPaused(control, 'bench_backfill', false);
    sampling = true;
    let stopped = false;
    const started = performance.now();
    const run = runBackgroundMigrations(runner, 'bench_backfill', { throttle }).then(([state]) => {
      stopped = true;
      finished = state?.status === 'finished';
    });
    during.push(...(await appWrites(app, Date.now() + windowMs, () => stopped)));
    await setPaused(control, 'bench_backfill', true);
    await run;
    backfillSeconds += (performance.now() - started) / 1000;
    sampling = false;
  }
  const windowsMaxLagMs = maxLagMs;
  // The rest of the backfill, unmeasured for the app but still watched for replica lag.
  if (finish && !finished) {
    await setPaused(control, 'bench_backfill', false);
    sampling = true;
    const started = performance.now();
    await runBackgroundMigrations(runner, 'bench_backfill', { throttle });
    backfillSeconds += (performance.now() - started) / 1000;
  }
  clearInterval(lagSampler);
  const [state] = await listBackgroundMigrations(client);

  const summary = {
    rows,
    loadSeconds: Math.round(loadSeconds),
    windows: { pairs, secondsEach: windowMs / 1000, order: 'ABBA' },
    appWritesAlone: distribution(alone),
    appWritesDuringBackfill: distribution(during),
    p99Ratio: Math.round((distribution(during).p99 / distribution(alone).p99) * 100) / 100,
    p99Target: 1.5,
    backfill: { seconds: Math.round(backfillSeconds), rowsDone: state?.rowsDone, batches: state?.batchesDone, throttledMs: state?.throttledMs, status: state?.status },
    maxReplayLagMsDuringWindows: Math.round(windowsMaxLagMs),
    maxReplayLagMs: Math.round(maxLagMs),
    maxReplayLagLimitMs: maxReplayLagMs,
    sleepCoefficient,
    batchSize,
    batchTimeMs,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'background-backfill.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await Promise.all([disconnect(app), disconnect(control), disconnect(runner), disconnect(client)]);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await disconnect(admin);
}
