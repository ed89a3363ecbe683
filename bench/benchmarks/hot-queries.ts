import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { refreshSeedStatsOnce } from '../baseline/seed-baseline.js';
import { isFullScale } from '../generate/dataset.js';
import { Random } from '../generate/random.js';
import { drawHotQueryChart } from '../hot-queries/chart.js';
import { explainQuery, serverTimer, type PlanSummary } from '../hot-queries/explain.js';
import { HOT_QUERIES, SEARCH_PHRASES, type Definitions, type HotQuery, type QueryPicker } from '../hot-queries/queries.js';
import { distribution, type Distribution } from '../lib/measure.js';
import { target, type Benchmark, type Measurement } from '../lib/benchmark.js';
import { resultFile } from '../lib/report.js';

export interface HotQueryResult {
  query: string;
  kind: HotQuery['kind'];
  ours: Distribution;
  baseline: Distribution | null;
  baselineNote?: string;
  /** The same queries' executor time on the server (auto_explain), free of client scheduling noise. */
  server: { ours: Distribution; baseline: Distribution | null; byPhrase?: Record<string, Distribution> };
  /** Searches: ours per phrase (the slowest phrases decide p95). */
  byPhrase?: Record<string, Distribution>;
  plans: { ours: PlanSummary; oursHeaviestUser: PlanSummary; baseline: PlanSummary | null };
}

export interface UserSample {
  users: string[];
  /** The heaviest users first. */
  heaviest: string[];
}

export async function sampleUsers(client: pg.Client): Promise<UserSample> {
  const result = await client.query<{ user_id: string }>(
    'SELECT user_id FROM user_game_collection GROUP BY user_id ORDER BY count(*) DESC, user_id',
  );
  const users = result.rows.map((row) => row.user_id);
  return { users, heaviest: users.slice(0, 10) };
}

/** Random users, uniformly (so heavy ones come at their natural rate), plus a heavy one every 100th pick. */
export function makePicker(sample: UserSample, seed: number): QueryPicker {
  const random = new Random(seed);
  let picks = 0;
  let phrase = 0;
  return {
    random,
    user: () => (++picks % 100 === 0 ? random.pick(sample.heaviest) : random.pick(sample.users)),
    phrase: () => SEARCH_PHRASES[phrase++ % SEARCH_PHRASES.length]!,
  };
}

async function timeQuery(client: pg.Client, sql: string, params: unknown[]): Promise<number> {
  const started = performance.now();
  await client.query(sql, params);
  return performance.now() - started;
}

export const benchmark: Benchmark = {
  name: 'hot-queries',
  title: 'Hot queries: ours vs the seed definitions',
  async run(context) {
    const dataset = await context.dataset();
    const client = await connect(dataset.url, { applicationName: 'play-later-bench' });
    const serverClient = await connect(dataset.url, { applicationName: 'play-later-bench-server-times' });
    try {
      const sample = await sampleUsers(client);
      let seedStatsNote: string | undefined;
      // At full size the seed's view does not fill (the stats benchmark measures that attempt).
      const refresh = isFullScale(context.size) ? undefined : await refreshSeedStatsOnce(client, context.size.name);
      if (!refresh || refresh.stoppedBy) seedStatsNote = `the seed's user_game_stats cannot be filled at this size (${refresh?.stoppedBy ?? 'see the stats benchmark'})`;
      const results: HotQueryResult[] = [];
      for (const query of HOT_QUERIES) {
        const baselineAvailable = !(query.name === "user's stats" && seedStatsNote) && context.options.baselineRuns !== 0;
        context.log(`  ${query.name}`);
        const picker = makePicker(sample, 42);
        const times: Record<Definitions, number[]> = { public: [], seed_baseline: [] };
        const byPhrase = new Map<string, number[]>();
        // The seed's search of a common word takes 1-28 s from 100k games up on this machine: 36
        // runs of it there (ours runs as often as any query), or one benchmark would take hours.
        const fullSearch = query.kind === 'search' && context.size.games >= 100_000;
        const runs = context.options.runs;
        const baselineRuns = Math.min(fullSearch ? Math.min(runs, 36) : runs, context.options.baselineRuns ?? runs);
        for (let run = 0; run < runs; run += 1) {
          const params = query.params(picker);
          const order: Definitions[] = run % 2 === 0 ? ['public', 'seed_baseline'] : ['seed_baseline', 'public'];
          for (const definitions of order) {
            if (definitions === 'seed_baseline' && (!baselineAvailable || run >= baselineRuns)) continue;
            const ms = await timeQuery(client, query.sql(definitions), params);
            times[definitions].push(ms);
            if (query.kind === 'search' && definitions === 'public') addPhraseTime(byPhrase, params, ms);
          }
        }
        context.log(`  ${query.name}: server-side times`);
        const server = await serverSideTimes(serverClient, query, sample, runs, baselineRuns, baselineAvailable);
        const typical = makePicker({ users: [sample.users[Math.floor(sample.users.length / 2)]!], heaviest: sample.heaviest }, 7);
        const typicalParams = query.params(typical);
        const heavyParams = query.params({ ...typical, user: () => sample.heaviest[0]! });
        results.push({
          query: query.name,
          kind: query.kind,
          ours: distribution(times.public),
          baseline: baselineAvailable ? distribution(times.seed_baseline) : null,
          server,
          ...(baselineAvailable ? {} : { baselineNote: context.options.baselineRuns === 0 ? BASELINE_SKIPPED : seedStatsNote }),
          ...(byPhrase.size > 0 ? { byPhrase: distributions(byPhrase) } : {}),
          plans: {
            ours: await explainQuery(client, query.sql('public'), typicalParams),
            oursHeaviestUser: await explainQuery(client, query.sql('public'), heavyParams),
            baseline: baselineAvailable ? await explainQuery(client, query.sql('seed_baseline'), typicalParams) : null,
          },
        });
      }
      const phraseMatches = await countPhraseMatches(client);
      drawHotQueryChart(results, context.size.name, resultFile(context.size.name, 'hot-queries', 'svg', context.resultsDir));
      return { measurements: results.flatMap(toMeasurements), details: { queries: results, phraseMatches, users: sample.users.length } };
    } finally {
      await disconnect(serverClient);
      await disconnect(client);
    }
  },
};

/** A second pass with the same parameters, timed by the server (auto_explain's executor duration). */
async function serverSideTimes(client: pg.Client, query: HotQuery, sample: UserSample, runs: number, baselineRuns: number, baselineAvailable: boolean): Promise<HotQueryResult['server']> {
  const timer = await serverTimer(client);
  try {
    const picker = makePicker(sample, 42);
    const ours: number[] = [];
    const baseline: number[] = [];
    const byPhrase = new Map<string, number[]>();
    for (let run = 0; run < runs; run += 1) {
      const params = query.params(picker);
      const ms = await timer.time(query.sql('public'), params);
      ours.push(ms);
      if (query.kind === 'search') addPhraseTime(byPhrase, params, ms);
      if (baselineAvailable && run < baselineRuns) baseline.push(await timer.time(query.sql('seed_baseline'), params));
    }
    return {
      ours: distribution(ours),
      baseline: baselineAvailable ? distribution(baseline) : null,
      ...(byPhrase.size > 0 ? { byPhrase: distributions(byPhrase) } : {}),
    };
  } finally {
    await timer.stop();
  }
}

/** A search's time, under its phrase (the query's first parameter). */
function addPhraseTime(byPhrase: Map<string, number[]>, params: unknown[], ms: number): void {
  const phrase = String(params[0]);
  const times = byPhrase.get(phrase);
  if (times) times.push(ms);
  else byPhrase.set(phrase, [ms]);
}

function distributions(byPhrase: Map<string, number[]>): Record<string, Distribution> {
  return Object.fromEntries([...byPhrase].map(([phrase, ms]) => [phrase, distribution(ms)]));
}

/** The phrase with the highest p95 (a search's target holds for every committed phrase). */
function slowestPhrase(byPhrase: Record<string, Distribution> | undefined): [string, Distribution] | undefined {
  return Object.entries(byPhrase ?? {}).sort(([, a], [, b]) => b.p95 - a.p95)[0];
}

/** Why a query has no baseline figure when --baseline-runs 0 left the seed out. */
const BASELINE_SKIPPED = 'the seed left out (--baseline-runs 0)';

function toMeasurements(result: HotQueryResult): Measurement[] {
  // Left out on purpose: no baseline column, rather than "not finished".
  const noBaseline = result.baselineNote === BASELINE_SKIPPED ? undefined : null;
  const key = result.kind === 'user' ? 'p99' : 'p95';
  const limit = result.kind === 'user' ? 2 : 10;
  const rows: Measurement[] = (['p50', 'p95', 'p99'] as const).map((p) => ({
    name: `${result.query} ${p}`,
    value: result.ours[p],
    unit: 'ms',
    baseline: result.baseline ? result.baseline[p] : noBaseline,
    baselineLabel: 'seed',
    ratio: result.baseline ? Math.round((result.ours[p] / result.baseline[p]) * 100) / 100 : null,
    ...(p === key ? target(result.ours[p], limit, `${key} <= ${limit} ms`) : {}),
    ...(p === 'p50' ? { note: `plan: ${result.plans.ours.indexes.join(', ') || 'no index'}${result.plans.ours.seqScans.length ? `; SEQ SCAN ${result.plans.ours.seqScans.join(', ')}` : ''}` } : {}),
  }));
  rows.push({
    name: `${result.query} server-side ${key}`,
    value: result.server.ours[key],
    unit: 'ms',
    baseline: result.server.baseline ? result.server.baseline[key] : noBaseline,
    baselineLabel: 'seed',
    note: `executor time, p50 ${result.server.ours.p50} ms`,
  });
  // Searches: the target holds for every phrase, so the slowest phrase's p95, client- and server-side.
  for (const [side, byPhrase] of [['', result.byPhrase], [' server-side', result.server.byPhrase]] as const) {
    const slowest = slowestPhrase(byPhrase);
    if (!slowest) continue;
    rows.push({
      name: `${result.query}${side} slowest phrase p95`,
      value: slowest[1].p95,
      unit: 'ms',
      ...(side === '' ? target(slowest[1].p95, limit, `every phrase p95 <= ${limit} ms`) : {}),
      note: `${JSON.stringify(slowest[0])}, ${slowest[1].runs} runs${side ? ', executor time' : ''}`,
    });
  }
  return rows;
}

/** How many games each committed phrase matches (plainto_tsquery, the seed's matching rule). */
async function countPhraseMatches(client: pg.Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const phrase of SEARCH_PHRASES) {
    const result = await client.query<{ count: string }>(
      `SELECT count(*) AS count FROM games WHERE to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, '')) @@ plainto_tsquery('english', $1)`,
      [phrase],
    );
    counts[phrase] = Number(result.rows[0]!.count);
  }
  return counts;
}
