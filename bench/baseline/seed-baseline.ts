import type pg from 'pg';
import { profileWaits, type WaitProfile } from '../lib/wait-events.js';
import { recordRevisionSql, SEED_HEAD } from '../lib/revisions.js';

export const BASELINE_SCHEMA = 'seed_baseline';

/** The seed's objects that the corrections replace, and the name each gets in the baseline schema. */
const RENAMES: Array<[RegExp, string]> = [
  [/FUNCTION search_games\(/, `FUNCTION ${BASELINE_SCHEMA}.search_games(`],
  [/CREATE VIEW active_collection/, `CREATE VIEW ${BASELINE_SCHEMA}.active_collection`],
  [/CREATE VIEW playthrough_summary/, `CREATE VIEW ${BASELINE_SCHEMA}.playthrough_summary`],
  [/CREATE MATERIALIZED VIEW user_game_stats/, `CREATE MATERIALIZED VIEW ${BASELINE_SCHEMA}.user_game_stats`],
  [/INDEX idx_user_stats_user_id ON user_game_stats/, `INDEX idx_user_stats_user_id ON ${BASELINE_SCHEMA}.user_game_stats`],
  [/FUNCTION refresh_user_stats\(/, `FUNCTION ${BASELINE_SCHEMA}.refresh_user_stats(`],
  [/VIEW CONCURRENTLY user_game_stats/g, `VIEW CONCURRENTLY ${BASELINE_SCHEMA}.user_game_stats`],
];
const BASELINE_OBJECTS = /FUNCTION search_games\(|CREATE VIEW|CREATE MATERIALIZED VIEW|idx_user_stats_user_id|FUNCTION refresh_user_stats\(/;
const SEED_FULLTEXT_INDEX = 'idx_games_fulltext_search';

/**
 * The seed's original search_games, views, stats materialized view and refresh function, taken from
 * the frozen revisions 003 and 005 (their SQL as recorded, not a copy) and created in the schema
 * seed_baseline beside the corrected ones, on the same rows: the baseline every benchmark compares
 * with. The materialized view is created WITH NO DATA: at full size filling it never finishes.
 * If the corrections dropped the seed's full-text expression index, it is built again for the
 * baseline's search (the seed's search cannot be measured fairly without it).
 */
export async function installSeedBaseline(client: pg.Client): Promise<void> {
  const revisions = await recordRevisionSql('up', SEED_HEAD);
  const statements = revisions
    .filter((revision) => revision.id.startsWith('003_') || revision.id.startsWith('005_'))
    .flatMap((revision) => revision.statements)
    .filter((statement) => BASELINE_OBJECTS.test(statement))
    .map((statement) => RENAMES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), statement))
    .map((statement) => (/CREATE MATERIALIZED VIEW/.test(statement) ? `${statement.trim().replace(/;\s*$/, '')}\nWITH NO DATA` : statement));
  await client.query(`DROP SCHEMA IF EXISTS ${BASELINE_SCHEMA} CASCADE; CREATE SCHEMA ${BASELINE_SCHEMA}`);
  for (const statement of statements) await client.query(statement);
  const fullText = revisions
    .flatMap((revision) => revision.statements)
    .find((statement) => statement.includes(`INDEX ${SEED_FULLTEXT_INDEX} `));
  const exists = await client.query(`SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1`, [SEED_FULLTEXT_INDEX]);
  if (fullText && exists.rowCount === 0) {
    await client.query(fullText.replace(SEED_FULLTEXT_INDEX, `seed_baseline_${SEED_FULLTEXT_INDEX}`));
  }
}

export interface BoundedRun {
  seconds: number | null;
  /** Why it did not finish (statement_timeout or temp_file_limit), when it did not. */
  stoppedBy: string | null;
  tempBytes: number;
  /** What the statement waited on (bench/lib/wait-events.ts), when a probe connection was given. */
  waits?: WaitProfile;
}

/**
 * Runs a statement under statement_timeout and temp_file_limit (the seed's stats view fills the
 * disk at full size otherwise) and reports how long it took, or what stopped it, and the
 * temporary file bytes it wrote (from pg_stat_database).
 */
export async function runBounded(client: pg.Client, statement: string, bounds: { timeoutMs: number; tempFileLimit: string }, probe?: pg.Client): Promise<BoundedRun> {
  const tempBefore = await tempBytes(client);
  await client.query(`SET statement_timeout = ${bounds.timeoutMs}; SET temp_file_limit = '${bounds.tempFileLimit}'`);
  const pid = probe ? (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid : 0;
  const started = performance.now();
  try {
    const waits = probe ? (await profileWaits(probe, pid, client.query(statement))).waits : (await client.query(statement), undefined);
    return { seconds: (performance.now() - started) / 1000, stoppedBy: null, tempBytes: (await tempBytes(client)) - tempBefore, ...(waits ? { waits } : {}) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '57014' && code !== '53400') throw error;
    const stoppedBy = code === '57014' ? `statement_timeout ${bounds.timeoutMs} ms` : `temp_file_limit ${bounds.tempFileLimit}`;
    return { seconds: null, stoppedBy, tempBytes: (await tempBytes(client)) - tempBefore };
  } finally {
    await client.query('RESET statement_timeout; RESET temp_file_limit');
  }
}

async function tempBytes(client: pg.Client): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const result = await client.query<{ bytes: string }>('SELECT temp_bytes AS bytes FROM pg_stat_database WHERE datname = current_database()');
  return Number(result.rows[0]!.bytes);
}

const seedRefreshes = new Map<string, BoundedRun>();

/**
 * Fills the seed's stats view once per database and run (bounded; at full size it does not finish),
 * so the hot queries and the stats benchmark share one attempt and its timing.
 */
export async function refreshSeedStatsOnce(client: pg.Client, size: string): Promise<BoundedRun> {
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  let run = seedRefreshes.get(database);
  if (!run) {
    run = await runBounded(client, `REFRESH MATERIALIZED VIEW ${BASELINE_SCHEMA}.user_game_stats`, seedStatsBounds(size));
    seedRefreshes.set(database, run);
  }
  return run;
}

export async function seedStatsPopulated(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ populated: boolean }>(
    `SELECT relispopulated AS populated FROM pg_class WHERE oid = to_regclass('${BASELINE_SCHEMA}.user_game_stats')`,
  );
  return result.rows[0]?.populated === true;
}

/** The bounds used for the seed's stats view: generous at small size, disk-safe at full size. */
export function seedStatsBounds(size: string): { timeoutMs: number; tempFileLimit: string } {
  return size === 'full' ? { timeoutMs: 120_000, tempFileLimit: '8GB' } : { timeoutMs: 60_000, tempFileLimit: '2GB' };
}
