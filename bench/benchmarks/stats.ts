import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { BASELINE_SCHEMA, refreshSeedStatsOnce, runBounded, seedStatsBounds, seedStatsPopulated, type BoundedRun } from '../baseline/seed-baseline.js';
import { Random } from '../generate/random.js';
import { distribution, round, type Distribution } from '../lib/measure.js';
import { describeWaits } from '../lib/wait-events.js';
import { serverTimer } from '../hot-queries/explain.js';
import { target, type Benchmark, type Measurement } from '../lib/benchmark.js';
import { sampleUsers } from './hot-queries.js';

/** The stats every user should have, computed independently (collection and playthroughs aggregated apart). */
const TRUE_STATS = `
  WITH c AS (
    SELECT user_id,
           count(*) FILTER (WHERE is_active) AS total_games,
           count(*) FILTER (WHERE platform = 'PS5' AND is_active) AS ps5_games,
           count(*) FILTER (WHERE platform = 'Steam' AND is_active) AS steam_games,
           count(*) FILTER (WHERE platform = 'Xbox' AND is_active) AS xbox_games,
           count(*) FILTER (WHERE platform = 'Switch' AND is_active) AS switch_games
      FROM user_game_collection GROUP BY user_id),
  p AS (
    SELECT user_id,
           count(*) AS total_playthroughs,
           count(*) FILTER (WHERE status = 'COMPLETED') AS completed_games,
           count(*) FILTER (WHERE status = 'PLAYING') AS currently_playing,
           count(*) FILTER (WHERE status = 'PLANNING') AS backlog_size,
           coalesce(sum(play_time_hours) FILTER (WHERE status = 'COMPLETED'), 0) AS total_hours,
           round(avg(rating), 1) AS average_rating,
           round(avg(play_time_hours) FILTER (WHERE status = 'COMPLETED'), 1) AS avg_completion_time,
           max(updated_at) AS last_activity
      FROM game_playthrough GROUP BY user_id)
  SELECT coalesce(c.user_id, p.user_id) AS user_id,
         coalesce(c.total_games, 0) AS total_games, coalesce(c.ps5_games, 0) AS ps5_games, coalesce(c.steam_games, 0) AS steam_games,
         coalesce(c.xbox_games, 0) AS xbox_games, coalesce(c.switch_games, 0) AS switch_games,
         coalesce(p.total_playthroughs, 0) AS total_playthroughs, coalesce(p.completed_games, 0) AS completed_games,
         coalesce(p.currently_playing, 0) AS currently_playing, coalesce(p.backlog_size, 0) AS backlog_size,
         coalesce(p.total_hours, 0) AS total_hours, p.average_rating, p.avg_completion_time, p.last_activity
    FROM c FULL JOIN p ON p.user_id = c.user_id`;
const COMPARED = ['total_games', 'ps5_games', 'steam_games', 'xbox_games', 'switch_games', 'total_playthroughs', 'completed_games', 'currently_playing', 'backlog_size', 'total_hours', 'average_rating', 'avg_completion_time', 'last_activity'];

interface Exactness {
  usersChecked: number;
  usersWrong: number;
  wrongColumns: Record<string, number>;
  /** How far the worst total_hours is from the truth (stats / truth). */
  worstTotalHoursFactor: number | null;
}

async function checkExact(client: pg.Client, relation: string, users: string[] | null): Promise<Exactness> {
  const filter = users ? 'WHERE t.user_id = ANY($1)' : '';
  const columns = COMPARED.map((column) => `count(*) FILTER (WHERE s.${column}::text IS DISTINCT FROM t.${column}::text) AS ${column}`).join(', ');
  const wrongRow = COMPARED.map((column) => `s.${column}::text IS DISTINCT FROM t.${column}::text`).join(' OR ');
  const result = await client.query<Record<string, string>>(
    `WITH t AS (${TRUE_STATS})
     SELECT count(*) AS checked, count(*) FILTER (WHERE s.user_id IS NULL OR ${wrongRow}) AS wrong, ${columns},
            max(s.total_hours / nullif(t.total_hours, 0)) AS worst_hours
       FROM t LEFT JOIN ${relation} s ON s.user_id = t.user_id ${filter}`,
    users ? [users] : [],
  );
  const row = result.rows[0]!;
  const wrongColumns = Object.fromEntries(COMPARED.map((column) => [column, Number(row[column])]).filter(([, count]) => Number(count) > 0));
  return { usersChecked: Number(row.checked), usersWrong: Number(row.wrong), wrongColumns, worstTotalHoursFactor: row.worst_hours === null ? null : round(Number(row.worst_hours), 2) };
}

/** Stats kept by triggers (named in their function's body) or by the app calling refresh_user_stats(user). */
async function statsTriggers(client: pg.Client): Promise<Array<{ table: string; trigger: string }>> {
  const result = await client.query<{ table: string; trigger: string }>(
    `SELECT c.relname AS table, t.tgname AS trigger FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE NOT t.tgisinternal AND c.relname IN ('user_game_collection', 'game_playthrough') AND p.prosrc ILIKE '%user_game_stats%'`,
  );
  return result.rows;
}

/**
 * The same statements timed by the server (auto_explain's executor duration of each top-level
 * statement): what the database itself took, free of the client's wait for a CPU on a busy machine.
 */
async function serverTimeEach(client: pg.Client, runs: number, statement: (run: number) => [string, unknown[]]): Promise<Distribution> {
  const timer = await serverTimer(client);
  try {
    const times: number[] = [];
    for (let run = 0; run < runs; run += 1) times.push(await timer.time(...statement(run)));
    return distribution(times);
  } finally {
    await timer.stop();
  }
}

async function timeEach(client: pg.Client, runs: number, statement: (run: number) => [string, unknown[]]): Promise<Distribution> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const [text, params] = statement(run);
    const started = performance.now();
    await client.query(text, params);
    times.push(performance.now() - started);
  }
  return distribution(times);
}

export const benchmark: Benchmark = {
  name: 'stats',
  title: "User stats: refresh, read, exactness and write cost, ours vs the seed's materialized view",
  async run(context) {
    const dataset = await context.dataset();
    const client = await connect(dataset.url, { applicationName: 'play-later-bench' });
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {};
    try {
      const kind = (await client.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = 'public.user_game_stats'::regclass`)).rows[0]!.relkind;
      const oursIsTable = kind === 'r';
      details.oursDesign = oursIsTable ? 'table + refresh_user_stats(user)' : 'materialized view (corrections not in this build)';
      const sample = await sampleUsers(client);
      const random = new Random(5);
      const typicalUsers = sample.users.slice(Math.floor(sample.users.length * 0.3), Math.floor(sample.users.length * 0.7));

      const bounds = seedStatsBounds(context.size.name);
      context.log('  full refresh: ours');
      // What it waits on, sampled from a second connection: a full refresh that is fast on a quiet
      // machine and slow on a busy one shows here whether it waited for a core, the disk or a lock.
      const probe = await connect(dataset.url, { applicationName: 'play-later-bench-probe' });
      const oursFull: BoundedRun = await runBounded(client, oursIsTable ? 'SELECT refresh_user_stats()' : 'REFRESH MATERIALIZED VIEW public.user_game_stats', bounds, probe).finally(() => disconnect(probe));
      context.log("  full refresh: the seed's view (bounded)");
      const seedFull = await refreshSeedStatsOnce(client, context.size.name);
      details.fullRefresh = { ours: oursFull, seed: seedFull, bounds };
      measurements.push({
        name: 'full refresh',
        value: oursFull.seconds === null ? null : round(oursFull.seconds, 2),
        unit: 's',
        baseline: seedFull.seconds === null ? null : round(seedFull.seconds, 2),
        baselineLabel: 'seed',
        ...target(oursFull.seconds, 10, '<= 10 s, bounded temp'),
        note: `temp ours ${Math.round(oursFull.tempBytes / 2 ** 20)} MB${oursFull.waits ? `; ours waited on: ${describeWaits(oursFull.waits)}` : ''}${seedFull.stoppedBy ? `; seed stopped by ${seedFull.stoppedBy} after writing ${Math.round(seedFull.tempBytes / 2 ** 20)} MB temp` : `; seed temp ${Math.round(seedFull.tempBytes / 2 ** 20)} MB`}`,
      });

      if (oursIsTable) {
        context.log('  per-user refresh');
        const typical = await timeEach(client, Math.min(context.options.runs, 500), () => ['SELECT refresh_user_stats($1)', [random.pick(typicalUsers)]]);
        const heaviest = await timeEach(client, 20, () => ['SELECT refresh_user_stats($1)', [sample.heaviest[0]]]);
        const typicalServer = await serverTimeEach(client, Math.min(context.options.runs, 500), () => ['SELECT refresh_user_stats($1)', [random.pick(typicalUsers)]]);
        details.perUserRefresh = { typical, heaviest, typicalServer };
        measurements.push({ name: 'per-user refresh, typical user p95', value: typical.p95, unit: 'ms', baseline: seedFull.seconds === null ? null : round(seedFull.seconds * 1000, 1), baselineLabel: 'seed refreshes all', ...target(typical.p95, 5, '<= 5 ms') });
        measurements.push({ name: 'per-user refresh, typical user, server-side p95', value: typicalServer.p95, unit: 'ms', ...target(typicalServer.p95, 5, '<= 5 ms'), note: `executor time, p50 ${typicalServer.p50} ms` });
        measurements.push({ name: 'per-user refresh, heaviest user p50', value: heaviest.p50, unit: 'ms', ...target(heaviest.p50, 100, '<= 100 ms') });
      }

      context.log('  stats read');
      const read = await timeEach(client, context.options.runs, () => ['SELECT * FROM user_game_stats WHERE user_id = $1', [random.pick(sample.users)]]);
      const readServer = await serverTimeEach(client, context.options.runs, () => ['SELECT * FROM user_game_stats WHERE user_id = $1', [random.pick(sample.users)]]);
      details.read = read;
      details.readServer = readServer;
      measurements.push({ name: "a user's stats read p95", value: read.p95, unit: 'ms', ...target(read.p95, 1, '<= 1 ms') });
      measurements.push({ name: "a user's stats read, server-side p95", value: readServer.p95, unit: 'ms', ...target(readServer.p95, 1, '<= 1 ms'), note: `executor time, p50 ${readServer.p50} ms` });

      context.log('  exactness');
      const checkUsers = context.size.name === 'full' ? [...sample.heaviest, ...Array.from({ length: 2000 }, () => random.pick(sample.users))] : null;
      const oursExact = await checkExact(client, 'public.user_game_stats', checkUsers);
      const seedExact = (await seedStatsPopulated(client)) ? await checkExact(client, `${BASELINE_SCHEMA}.user_game_stats`, checkUsers) : null;
      details.exactness = { ours: oursExact, seed: seedExact };
      measurements.push({ name: 'users with wrong stats', value: oursExact.usersWrong, unit: `of ${oursExact.usersChecked}`, baseline: seedExact?.usersWrong ?? null, baselineLabel: 'seed', ...target(oursExact.usersWrong, 0, '0 wrong'), note: seedExact ? `seed total_hours up to ${seedExact.worstTotalHoursFactor}x the truth` : 'seed view could not be filled' });

      measurements.push(...(await writeCost(client, sample.users, random, context.options.runs, details)));
    } finally {
      await disconnect(client);
    }
    return { measurements, details };
  },
};

/**
 * p95 of one collection and one playthrough INSERT with the stats kept exact vs without, each in a
 * transaction that is rolled back (nothing stays behind).
 */
async function writeCost(client: pg.Client, users: string[], random: Random, runs: number, details: Record<string, unknown>): Promise<Measurement[]> {
  const triggers = await statsTriggers(client);
  const games = (await client.query<{ id: string }>('SELECT id FROM games TABLESAMPLE SYSTEM (1) LIMIT 500')).rows.map((row) => row.id);
  const hasRefreshFunction = (await client.query(`SELECT 1 FROM pg_proc WHERE proname = 'refresh_user_stats' AND pronamespace = 'public'::regnamespace AND pronargs = 1`)).rowCount! > 0;
  const isTable = (await client.query(`SELECT 1 FROM pg_class WHERE oid = 'public.user_game_stats'::regclass AND relkind = 'r'`)).rowCount! > 0;
  details.writeUpkeep = triggers.length > 0 ? { triggers } : isTable && hasRefreshFunction ? 'the app calls refresh_user_stats(user) after a write' : 'none (materialized view)';
  if (triggers.length === 0 && !(isTable && hasRefreshFunction)) return [];
  const writes = [
    { table: 'user_game_collection', sql: `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active) VALUES ($1, $2, 'BenchWrite', 'DIGITAL', now() - interval '1 day', true)` },
    { table: 'game_playthrough', sql: `INSERT INTO game_playthrough (user_id, game_id, status, platform, play_time_hours) VALUES ($1, $2, 'COMPLETED', 'PS5', 12.5)` },
  ];
  const measurements: Measurement[] = [];
  const perTable: Record<string, unknown> = {};
  for (const write of writes) {
    const samples = { with: [] as number[], without: [] as number[] };
    for (let run = 0; run < Math.min(runs, 500); run += 1) {
      for (const mode of run % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
        const user = random.pick(users);
        await client.query('BEGIN');
        try {
          if (mode === 'without') for (const t of triggers.filter((t) => t.table === write.table)) await client.query(`ALTER TABLE ${write.table} DISABLE TRIGGER ${client.escapeIdentifier(t.trigger)}`);
          const started = performance.now();
          await client.query(write.sql, [user, random.pick(games)]);
          if (mode === 'with' && triggers.length === 0) await client.query('SELECT refresh_user_stats($1)', [user]);
          samples[mode].push(performance.now() - started);
        } finally {
          await client.query('ROLLBACK');
        }
      }
    }
    const withStats = distribution(samples.with);
    const without = distribution(samples.without);
    perTable[write.table] = { with: withStats, without };
    measurements.push({ name: `${write.table} insert p95, stats kept exact`, value: withStats.p95, unit: 'ms', baseline: without.p95, baselineLabel: 'without upkeep', ratio: round(withStats.p95 / without.p95, 2) });
  }
  details.writeCost = perTable;
  return measurements;
}
