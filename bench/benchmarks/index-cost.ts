import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { explainQuery } from '../hot-queries/explain.js';
import { HOT_QUERIES } from '../hot-queries/queries.js';
import { median, round } from '../lib/measure.js';
import type { Benchmark, Measurement } from '../lib/benchmark.js';
import { makePicker, sampleUsers } from './hot-queries.js';

const WRITE_TABLES = ['user_game_collection', 'game_playthrough'];
/** The seed's health check requires these, whatever the plans say. */
const REQUIRED = ['idx_collection_user_id', 'idx_playthrough_user_status', 'idx_games_title_search'];
export const PROPOSAL_FILE = path.resolve(import.meta.dirname, '..', 'proposals', 'drop_indexes_no_hot_query_uses.ts');

/** Indexes the hot queries and a per-user stats refresh plan to use (typical and heaviest user). */
async function indexesInUse(client: pg.Client): Promise<string[]> {
  const sample = await sampleUsers(client);
  const picker = makePicker(sample, 3);
  const used = new Set<string>(REQUIRED);
  const typical = sample.users[Math.floor(sample.users.length / 2)]!;
  for (const user of [typical, sample.heaviest[0]!]) {
    for (const query of HOT_QUERIES) {
      const params = query.params({ ...picker, user: () => user });
      for (const name of (await explainQuery(client, query.sql('public'), params)).indexes) used.add(name);
    }
    await client.query('BEGIN');
    try {
      for (const name of (await explainQuery(client, 'SELECT refresh_user_stats($1)', [user])).indexes) used.add(name);
    } finally {
      await client.query('ROLLBACK');
    }
  }
  return [...used].sort();
}

async function droppable(client: pg.Client, used: readonly string[]): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT ci.relname AS name FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AND NOT (ci.relname = ANY($2))
      ORDER BY ci.relname`,
    [WRITE_TABLES, used],
  );
  return result.rows.map((row) => row.name);
}

/**
 * Inserts `rows` collection rows and as many playthroughs (server-side generated, for existing
 * users and games) in a transaction that is rolled back; with `drop` the listed indexes are
 * dropped first inside the same transaction (and come back with the rollback).
 */
async function insertRate(client: pg.Client, rows: number, drop: readonly string[], seed: number): Promise<number> {
  await client.query('BEGIN');
  try {
    for (const name of drop) await client.query(`DROP INDEX ${name}`);
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

export const benchmark: Benchmark = {
  name: 'index-cost',
  title: "Index cost: insert throughput with all the seed's indexes vs only those the hot queries use",
  async run(context) {
    const dataset = await context.dataset();
    const client = await connect(dataset.url, { applicationName: 'play-later-bench' });
    try {
      const used = await indexesInUse(client);
      const unused = await droppable(client, used);
      const rows = context.size.name === 'full' ? 20_000 : 5_000;
      const rates = { all: [] as number[], used: [] as number[] };
      for (let pair = 0; pair < context.options.pairs; pair += 1) {
        for (const variant of pair % 2 === 0 ? (['all', 'used'] as const) : (['used', 'all'] as const)) {
          rates[variant].push(await insertRate(client, rows, variant === 'all' ? [] : unused, pair));
        }
      }
      const all = median(rates.all);
      const onlyUsed = median(rates.used);
      const gain = round(onlyUsed / all, 2);
      if (context.size.name === 'full') writeProposal(unused, all, onlyUsed);
      const measurements: Measurement[] = [
        { name: `inserts, all current indexes (${WRITE_TABLES.join(' + ')})`, value: Math.round(all), unit: 'rows/s' },
        { name: `inserts, only indexes in use (${unused.length} dropped)`, value: Math.round(onlyUsed), unit: 'rows/s', baseline: Math.round(all), baselineLabel: 'all', ratio: gain },
      ];
      return { measurements, details: { indexesInUse: used, notUsedByHotQueries: unused, rowsPerVariant: 2 * rows, rowsPerSecond: rates } };
    } finally {
      await disconnect(client);
    }
  },
};

/** The proposal, as a revision file for the lead to review (not in migrations/: not applied). */
function writeProposal(unused: readonly string[], all: number, onlyUsed: number): void {
  const list = JSON.stringify(unused, null, 2).replace(/"/g, "'");
  mkdirSync(path.dirname(PROPOSAL_FILE), { recursive: true });
  writeFileSync(
    PROPOSAL_FILE,
    `/**
 * PROPOSAL (written by \`npm run bench -- index-cost --size full\`; not applied: move it into
 * migrations/ with the next revision id and parent to adopt it).
 * Drops the indexes on user_game_collection and game_playthrough that none of the app's hot
 * queries (bench/hot-queries/queries.ts) nor refresh_user_stats(user) plan to use, at full size,
 * for a typical and the heaviest user. Kept: constraint indexes and the seed health check's
 * idx_collection_user_id, idx_playthrough_user_status, idx_games_title_search.
 * Measured insert throughput (collection + playthrough rows, full size, same run):
 * ${Math.round(all)} rows/s with all indexes, ${Math.round(onlyUsed)} rows/s without these (${round(onlyUsed / all, 2)}x).
 * Caveat: game_id-led indexes also serve ON DELETE CASCADE from games; check before dropping those.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '0NN_drop_unused_indexes';
export const downRevision = 'SET_TO_HEAD';
export const message = 'Drop indexes no hot query uses';
export const createDate = '${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}';
export const transactional = false;

const INDEXES: string[] = ${list};

export async function up(db: Kysely<any>): Promise<void> {
  for (const name of INDEXES) await sql.raw(\`DROP INDEX CONCURRENTLY IF EXISTS \${name}\`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Re-create them with the seed's definitions (revision 002), CONCURRENTLY.
  throw new Error('Fill in from 002_add_performance_indexes before adopting this proposal.');
}
`,
  );
}
