import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { offlineRevisionSql } from '../../src/runner/offline-sql.js';
import { isFullScale } from '../generate/dataset.js';
import { explainQuery, serverTimer } from '../hot-queries/explain.js';
import { HOT_QUERIES } from '../hot-queries/queries.js';
import { distribution, median, round, type Distribution } from '../lib/measure.js';
import type { Benchmark, Measurement } from '../lib/benchmark.js';
import { projectGraph } from '../lib/revisions.js';
import { makePicker, sampleUsers } from './hot-queries.js';

/** The revision that put the write tables on a diet; its down() holds the indexes it dropped. */
export const DIET_REVISION = '015_index_diet';
const WRITE_TABLES = ['user_game_collection', 'game_playthrough'];
type Variant = 'before' | 'after';

/**
 * The revision's own statements: down() rebuilds the dropped indexes, up() drops them again. The
 * "before" variant runs with them built and committed (an index built inside the measuring
 * transaction would be invisible to its plans while indcheckxmin holds).
 */
async function dietStatements(): Promise<{ build: string[]; drop: string[] }> {
  const graph = await projectGraph();
  const diet = graph.resolve(DIET_REVISION);
  return { build: await offlineRevisionSql(diet, 'down'), drop: await offlineRevisionSql(diet, 'up') };
}

async function runAll(client: pg.Client, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await client.query(statement);
  await client.query(`ANALYZE ${WRITE_TABLES.join(', ')}`);
}

/**
 * Inserts `rows` collection rows and as many playthroughs (server-side generated, for existing
 * users and games) in a transaction that is rolled back, with the write tables' indexes as they
 * were before the diet or as they are now.
 */
async function insertRate(client: pg.Client, rows: number, seed: number): Promise<number> {
  await client.query('BEGIN');
  try {
    const started = performance.now();
    await client.query(
      `WITH u AS (SELECT array_agg(user_id) AS ids FROM (SELECT DISTINCT user_id FROM user_game_collection LIMIT 5000) s),
            g AS (SELECT array_agg(id) AS ids FROM (SELECT id FROM games LIMIT 20000) s)
       INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, priority, is_active)
       SELECT u.ids[1 + (n * 7919 + $2) % array_length(u.ids, 1)], g.ids[1 + (n * 104729 + $2) % array_length(g.ids, 1)],
              'BenchCost' || n, 'DIGITAL', now() - interval '2 days', 1 + n % 5, true
         FROM generate_series(1, $1) n, u, g`,
      [rows, seed],
    );
    await client.query(
      `WITH u AS (SELECT array_agg(user_id) AS ids FROM (SELECT DISTINCT user_id FROM user_game_collection LIMIT 5000) s),
            g AS (SELECT array_agg(id) AS ids FROM (SELECT id FROM games LIMIT 20000) s)
       INSERT INTO game_playthrough (user_id, game_id, status, platform, started_at, completed_at, play_time_hours, rating)
       SELECT u.ids[1 + (n * 7919 + $2) % array_length(u.ids, 1)], g.ids[1 + (n * 104729 + $2) % array_length(g.ids, 1)],
              (ARRAY['PLANNING','PLAYING','COMPLETED'])[1 + n % 3], 'PS5', now() - interval '20 days', now() - interval '3 days', n % 90, 1 + n % 10
         FROM generate_series(1, $1) n, u, g`,
      [rows, seed],
    );
    return (2 * rows) / ((performance.now() - started) / 1000);
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * The user-scoped hot queries, `runs` times each, timed by the server (executor time: on a shared
 * 2-core machine the client-side tail is the scheduler's), and each one's plan for the heaviest user.
 */
async function hotQueryTimes(client: pg.Client, runs: number): Promise<Record<string, { ms: number[]; indexes: string[] }>> {
  const sample = await sampleUsers(client);
  const times: Record<string, { ms: number[]; indexes: string[] }> = {};
  for (const query of HOT_QUERIES.filter((q) => q.kind === 'user')) {
    // Untimed first pass over the same parameters: both variants then read the same pages from
    // memory (building the dropped indexes for 'before' reads the whole heap, which otherwise
    // gave 'before' a warmer cache than 'after').
    const warm = makePicker(sample, 42);
    for (let run = 0; run < runs; run += 1) await client.query(query.sql('public'), query.params(warm) as unknown[]);
    const picker = makePicker(sample, 42);
    const ms: number[] = [];
    const timer = await serverTimer(client);
    try {
      for (let run = 0; run < runs; run += 1) ms.push(await timer.time(query.sql('public'), query.params(picker)));
    } finally {
      await timer.stop();
    }
    const heaviest = query.params({ ...picker, user: () => sample.heaviest[0]! });
    times[query.name] = { ms, indexes: (await explainQuery(client, query.sql('public'), heaviest)).indexes };
  }
  return times;
}

export const benchmark: Benchmark = {
  name: 'index-cost',
  title: `Index diet (${DIET_REVISION}): insert throughput and user-query latency, before vs after, side by side`,
  async run(context) {
    const dataset = await context.dataset();
    const client = await connect(dataset.url, { applicationName: 'play-later-bench' });
    try {
      const diet = await dietStatements();
      const rows = isFullScale(context.size) ? 20_000 : 5_000;
      const rates: Record<Variant, number[]> = { before: [], after: [] };
      const queries: Record<Variant, Record<string, { ms: number[]; indexes: string[] }>[]> = { before: [], after: [] };
      const queryRuns = Math.max(50, Math.round(context.options.runs / 4));
      try {
        for (let pair = 0; pair < context.options.pairs; pair += 1) {
          // after, before, before, after, …: one index build and one drop per pair.
          for (const variant of pair % 2 === 0 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
            await runAll(client, variant === 'before' ? diet.build : diet.drop); // IF [NOT] EXISTS: a no-op when already so
            rates[variant].push(await insertRate(client, rows, pair));
            queries[variant].push(await hotQueryTimes(client, queryRuns));
          }
        }
      } finally {
        await runAll(client, diet.drop);
      }
      const gain = round(median(rates.after) / median(rates.before), 2);
      const measurements: Measurement[] = [
        { name: `inserts before the diet (${WRITE_TABLES.join(' + ')}, ${diet.drop.length} more indexes)`, value: Math.round(median(rates.before)), unit: 'rows/s' },
        {
          name: 'inserts after the diet',
          value: Math.round(median(rates.after)),
          unit: 'rows/s',
          baseline: Math.round(median(rates.before)),
          baselineLabel: 'before',
          ratio: gain,
        },
      ];
      const perQuery: Record<string, { before: Distribution; after: Distribution; indexesBefore: string[]; indexesAfter: string[] }> = {};
      for (const name of Object.keys(queries.after[0] ?? {})) {
        const all = (variant: Variant) => queries[variant].flatMap((run) => run[name]!.ms);
        const result = {
          before: distribution(all('before')),
          after: distribution(all('after')),
          indexesBefore: queries.before[0]![name]!.indexes,
          indexesAfter: queries.after[0]![name]!.indexes,
        };
        perQuery[name] = result;
        measurements.push({
          name: `${name} server-side p99, after vs before the diet`,
          value: result.after.p99,
          unit: 'ms',
          baseline: result.before.p99,
          baselineLabel: 'before',
          ratio: round(result.after.p99 / result.before.p99, 2),
          note: `plan (heaviest user) after: ${result.indexesAfter.join(', ') || 'no index'}; before: ${result.indexesBefore.join(', ') || 'no index'}`,
        });
      }
      return { measurements, details: { dietRevision: DIET_REVISION, dietIndexes: diet.build, rowsPerVariant: 2 * rows, rowsPerSecond: rates, userQueries: perQuery } };
    } finally {
      await disconnect(client);
    }
  },
};
