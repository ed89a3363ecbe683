import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { DEFAULT_ROLE_NAMES, USER_ID_SETTING } from '../../src/security/roles.js';
import { isFullScale } from '../generate/dataset.js';
import { serverTimer, summarizePlans, type PlanNode, type PlanSummary } from '../hot-queries/explain.js';
import { HOT_QUERIES, type HotQuery } from '../hot-queries/queries.js';
import { distribution, type Distribution } from '../lib/measure.js';
import { target, type Benchmark, type Measurement } from '../lib/benchmark.js';
import { makePicker, sampleUsers, type UserSample } from './hot-queries.js';

/** Without row-level security (the owner, as before revision 013) and with it (the app role acting for the user). */
type Variant = 'owner' | 'app';

export interface RowSecurityResult {
  query: string;
  kind: HotQuery['kind'];
  owner: Distribution;
  app: Distribution;
  /** The same, timed by the server (auto_explain's executor time): free of the client's scheduling noise. */
  server: Record<Variant, Distribution>;
  /** The extra round trip the data layer sends first in each transaction it opens (withUser). */
  actingFor: Distribution;
  plans: Record<Variant, PlanSummary>;
}

/**
 * The cost of row-level security: each hot query (bench/hot-queries) run alternately as the owner,
 * which the policies do not restrict, and as the app role acting for the same user (SET LOCAL ROLE
 * and play_later.user_id, in a transaction, as the data layer does), with the same parameters;
 * only the query itself is timed. A second pass times the same runs on the server (the executor's
 * time, as hot-queries does), which a busy client machine does not blur. The plan of each
 * (EXPLAIN) shows whether it keeps its index.
 */
export const benchmark: Benchmark = {
  name: 'row-security',
  title: 'Row-level security: the hot queries as the owner and as the app role',
  async run(context) {
    const dataset = await context.dataset();
    const client = await connect(dataset.url, { applicationName: 'play-later-bench-row-security' });
    try {
      const sample = await sampleUsers(client);
      const results: RowSecurityResult[] = [];
      for (const query of HOT_QUERIES) {
        context.log(`  ${query.name}`);
        const sql = query.sql('public');
        const picker = makePicker(sample, 42);
        const times: Record<Variant, number[]> = { owner: [], app: [] };
        const actingFor: number[] = [];
        const runs = query.kind === 'search' && isFullScale(context.size) ? Math.min(context.options.runs, 240) : context.options.runs;
        for (let run = 0; run < runs; run += 1) {
          const params = query.params(picker);
          const user = String(userOf(query, params) ?? sample.users[0]);
          const order: Variant[] = run % 2 === 0 ? ['owner', 'app'] : ['app', 'owner'];
          for (const variant of order) {
            await client.query('BEGIN');
            try {
              if (variant === 'app') actingFor.push(await timed(() => actAsApp(client, user)));
              times[variant].push(await timed(() => client.query(sql, params)));
            } finally {
              await client.query('ROLLBACK');
            }
          }
        }
        const server = await serverSideTimes(client, query, sample, Math.min(runs, query.kind === 'search' ? 120 : 1000));
        const params = query.params(makePicker({ users: [sample.heaviest[0]!], heaviest: sample.heaviest }, 7));
        const user = String(userOf(query, params) ?? sample.heaviest[0]);
        results.push({
          query: query.name,
          kind: query.kind,
          owner: distribution(times.owner),
          app: distribution(times.app),
          actingFor: distribution(actingFor),
          server,
          plans: { owner: await plan(client, sql, params, null), app: await plan(client, sql, params, user) },
        });
      }
      return { measurements: results.flatMap(toMeasurements), details: { queries: results, users: sample.users.length } };
    } finally {
      await disconnect(client);
    }
  },
};

/** The user a query acts for: its user_id parameter ($1 of the user queries, $2 of search_games with a user). */
function userOf(query: HotQuery, params: readonly unknown[]): unknown {
  if (query.kind === 'user') return params[0];
  return params.length > 1 ? params[1] : undefined;
}

/** The executor time of each run (auto_explain), owner and app alternating, on the same parameters as the timed pass. */
async function serverSideTimes(client: pg.Client, query: HotQuery, sample: UserSample, runs: number): Promise<Record<Variant, Distribution>> {
  const timer = await serverTimer(client);
  try {
    const picker = makePicker(sample, 42);
    const times: Record<Variant, number[]> = { owner: [], app: [] };
    for (let run = 0; run < runs; run += 1) {
      const params = query.params(picker);
      const user = String(userOf(query, params) ?? sample.users[0]);
      for (const variant of run % 2 === 0 ? (['owner', 'app'] as const) : (['app', 'owner'] as const)) {
        const ms = await timer.time(query.sql('public'), params, async (runQuery) => {
          await client.query('BEGIN');
          try {
            if (variant === 'app') await actAsApp(client, user);
            await runQuery();
          } finally {
            await client.query('ROLLBACK');
          }
        });
        if (Number.isNaN(ms)) throw new Error(`row-security: no executor time logged for ${query.name}`);
        times[variant].push(ms);
      }
    }
    return { owner: distribution(times.owner), app: distribution(times.app) };
  } finally {
    await timer.stop();
  }
}

async function actAsApp(client: pg.Client, user: string): Promise<void> {
  await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(DEFAULT_ROLE_NAMES.appRole)}`);
  await client.query('SELECT set_config($1, $2, true)', [USER_ID_SETTING, user]);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** EXPLAIN as the owner (user null) or as the app role acting for `user`, summarized. */
async function plan(client: pg.Client, sql: string, params: readonly unknown[], user: string | null): Promise<PlanSummary> {
  await client.query('BEGIN');
  try {
    if (user !== null) await actAsApp(client, user);
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params as unknown[]);
    return summarizePlans(rows[0]!['QUERY PLAN'].map((entry) => entry.Plan));
  } finally {
    await client.query('ROLLBACK');
  }
}

function toMeasurements(result: RowSecurityResult): Measurement[] {
  const key = result.kind === 'user' ? 'p99' : 'p95';
  const limit = result.kind === 'user' ? 2 : 10;
  const describePlan = (summary: PlanSummary): string =>
    `${summary.indexes.join(', ') || 'no index'}${summary.seqScans.length ? `; SEQ SCAN ${summary.seqScans.join(', ')}` : ''}`;
  return [
    {
      name: `${result.query} ${key}, app role under row-level security`,
      value: result.app[key],
      unit: 'ms',
      baseline: result.owner[key],
      baselineLabel: 'owner (no row-level security)',
      ratio: result.owner[key] > 0 ? Math.round((result.app[key] / result.owner[key]) * 100) / 100 : null,
      ...target(result.app[key], limit, `${key} <= ${limit} ms`),
      note: `plan as app: ${describePlan(result.plans.app)}; as owner: ${describePlan(result.plans.owner)}; set_config round trip p50 ${result.actingFor.p50} ms`,
    },
    {
      name: `${result.query} server-side ${key}, app role under row-level security`,
      value: result.server.app[key],
      unit: 'ms',
      baseline: result.server.owner[key],
      baselineLabel: 'owner (no row-level security)',
      ratio: result.server.owner[key] > 0 ? Math.round((result.server.app[key] / result.server.owner[key]) * 100) / 100 : null,
      ...target(result.server.app[key], limit, `${key} <= ${limit} ms`),
      note: `executor time (auto_explain), p50 ${result.server.app.p50} ms as app, ${result.server.owner.p50} ms as owner`,
    },
    {
      name: `${result.query} p50, app role under row-level security`,
      value: result.app.p50,
      unit: 'ms',
      baseline: result.owner.p50,
      baselineLabel: 'owner (no row-level security)',
      ratio: result.owner.p50 > 0 ? Math.round((result.app.p50 / result.owner.p50) * 100) / 100 : null,
    },
  ];
}
