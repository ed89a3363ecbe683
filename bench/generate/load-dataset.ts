import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import type { Database } from '../../src/repositories/connection.js';
import { refreshSearchOrder } from '../../src/repositories/games.repository.js';
import { kyselyOn } from '../../src/runner/single-connection-kysely.js';
import { createDatabase, type BenchServer } from '../lib/bench-server.js';
import { installSeedBaseline } from '../baseline/seed-baseline.js';
import { projectGraph, upgradeDatabase } from '../lib/revisions.js';
import { CopyWriter } from './copy-writer.js';
import { COLLECTION_COLUMNS, Dataset, GAME_COLUMNS, GENERATOR_VERSION, PLAYTHROUGH_COLUMNS, type DatasetSize } from './dataset.js';

export const DATA_TABLES = ['games', 'user_game_collection', 'game_playthrough'] as const;

export interface LoadedDataset {
  database: string;
  url: string;
  size: DatasetSize;
  /** Seconds the load took (null when an already loaded data set was reused). */
  loadSeconds: number | null;
  loadSteps: Record<string, number>;
  heads: string[];
}

interface Marker {
  generator: number;
  size: string;
  heads: string[];
  /** sha256 of every revision's id and checksum: a revision edited before release changes it. */
  revisions: string;
  loadSeconds: number;
  loadSteps: Record<string, number>;
}

/**
 * The data set of one size in a database of its own, at the project's head, with the seed's
 * original definitions beside it (schema seed_baseline). Loading takes minutes at full size, so a
 * loaded data set is reused while the generator version and the head revisions are unchanged
 * (the revisions' checksums, recorded in the database's comment); benchmarks that write put things
 * back as they found them.
 */
export async function ensureDataset(server: BenchServer, size: DatasetSize, log: (line: string) => void): Promise<LoadedDataset> {
  const database = `plt_bench_${size.name}`;
  const url = server.urlFor(database);
  const graph = await projectGraph();
  const heads = [...graph.heads];
  const revisions = createHash('sha256').update(graph.order.map((revision) => `${revision.id}:${revision.checksum}`).join('\n')).digest('hex');
  const marker = await readMarker(server.adminUrl, database);
  if (marker && marker.generator === GENERATOR_VERSION && marker.size === size.name && marker.revisions === revisions) {
    log(`data set ${database}: reusing (loaded in ${marker.loadSeconds} s)`);
    return { database, url, size, loadSeconds: null, loadSteps: marker.loadSteps, heads };
  }
  log(`data set ${database}: generating ${size.games} games, ${size.users} users, ${size.collectionRows} collection rows, ${size.playthroughs} playthroughs`);
  const started = performance.now();
  const steps: Record<string, number> = {};
  await createDatabase(server.adminUrl, database);
  await timed(steps, log, 'schema at head', () => upgradeDatabase(url));
  await loadRows(url, size, steps, log);
  const client = await connect(url);
  try {
    await timed(steps, log, 'seed baseline', () => installSeedBaseline(client));
  } finally {
    await disconnect(client);
  }
  const loadSeconds = Math.round((performance.now() - started) / 100) / 10;
  await writeMarker(server.adminUrl, database, { generator: GENERATOR_VERSION, size: size.name, heads, revisions, loadSeconds, loadSteps: steps });
  log(`data set ${database}: loaded in ${loadSeconds} s`);
  return { database, url, size, loadSeconds, loadSteps: steps, heads };
}

/**
 * Loads the generated rows into a database at head (empty tables): secondary indexes dropped and
 * rebuilt once, COPY on two connections, stats recomputed, VACUUM ANALYZE. Used by the benchmarks
 * and by the plan test (small size).
 */
export async function loadRows(url: string, size: DatasetSize, steps: Record<string, number> = {}, log: (line: string) => void = () => undefined): Promise<void> {
  const dataset = new Dataset(size);
  const client = await connect(url);
  try {
    const indexes = await secondaryIndexes(client);
    await timed(steps, log, 'drop secondary indexes', () => client.query(indexes.map((index) => `DROP INDEX ${index.name};`).join('\n')));
    await timed(steps, log, 'COPY games', () => copyGames(url, dataset));
    await timed(steps, log, 'COPY collection + playthroughs', () => copyUsers(url, dataset));
    // Before the indexes: the games' popularity classes and buckets are written without GIN upkeep.
    await timed(steps, log, 'search order', () => refreshSearchOrder(kyselyOn(client) as Kysely<Database>));
    await timed(steps, log, 'create indexes', () => createIndexes(url, indexes.map((index) => index.definition)));
    await timed(steps, log, 'stats refresh', () => refreshStatsTable(client));
    await timed(steps, log, 'vacuum analyze', () => client.query(`VACUUM (ANALYZE) ${DATA_TABLES.join(', ')}`));
  } finally {
    await disconnect(client);
  }
}

async function timed(steps: Record<string, number>, log: (line: string) => void, name: string, work: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await work();
  steps[name] = Math.round((performance.now() - started) / 100) / 10;
  log(`  ${name}: ${steps[name]} s`);
}

/** Indexes that no constraint owns: dropped for the load and built once afterwards (faster). */
async function secondaryIndexes(client: pg.Client): Promise<Array<{ name: string; definition: string }>> {
  const result = await client.query<{ name: string; definition: string }>(
    `SELECT quote_ident(ci.relname) AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY pg_relation_size(i.indrelid) DESC, ci.relname`,
    [DATA_TABLES],
  );
  return result.rows;
}

/**
 * A loading connection. With `skipForeignKeys`, foreign-key checks are off
 * (session_replication_role = replica; the generator keeps every reference valid by construction),
 * which also silences triggers: used only for tables whose triggers fire on UPDATE alone. games
 * keeps its triggers (its search_vector is kept by a BEFORE INSERT trigger).
 */
async function loadingConnection(url: string, skipForeignKeys = false): Promise<pg.Client> {
  const client = await connect(url, { applicationName: 'play-later-bench-load' });
  await client.query(`${skipForeignKeys ? 'SET session_replication_role = replica; ' : ''}SET synchronous_commit = off; SET maintenance_work_mem = '512MB'`);
  return client;
}

/** Two COPY streams, one per half of the catalogue: the server computes text search columns on two cores. */
async function copyGames(url: string, dataset: Dataset): Promise<void> {
  const half = Math.ceil(dataset.size.games / 2);
  await Promise.all(
    [0, 1].map(async (part) => {
      const client = await loadingConnection(url);
      try {
        const writer = CopyWriter.open(client, 'games', GAME_COLUMNS);
        for (let index = part * half; index < Math.min(dataset.size.games, (part + 1) * half); index += 1) await writer.write(dataset.game(index));
        await writer.end();
      } finally {
        await disconnect(client);
      }
    }),
  );
}

/** Each user's collection rows and playthroughs are made once and written to two COPY streams. */
async function copyUsers(url: string, dataset: Dataset): Promise<void> {
  const [collectionClient, playthroughClient] = await Promise.all([loadingConnection(url, true), loadingConnection(url, true)]);
  try {
    const collection = CopyWriter.open(collectionClient, 'user_game_collection', COLLECTION_COLUMNS);
    const playthroughs = CopyWriter.open(playthroughClient, 'game_playthrough', PLAYTHROUGH_COLUMNS);
    for (let user = 0; user < dataset.size.users; user += 1) {
      const rows = dataset.userRows(user);
      for (const row of rows.collection) await collection.write(row);
      for (const row of rows.playthroughs) await playthroughs.write(row);
    }
    await Promise.all([collection.end(), playthroughs.end()]);
  } finally {
    await Promise.all([disconnect(collectionClient), disconnect(playthroughClient)]);
  }
}

/** Builds the indexes on two connections, largest tables first. */
async function createIndexes(url: string, definitions: string[]): Promise<void> {
  const queue = [...definitions];
  await Promise.all(
    [0, 1].map(async () => {
      const client = await loadingConnection(url);
      try {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await client.query(next);
      } finally {
        await disconnect(client);
      }
    }),
  );
}

/**
 * Stats kept in a table (the corrected design) are recomputed once after the load. The seed's
 * materialized view is left as it is: refreshing it at full size never finishes (stats benchmark).
 */
async function refreshStatsTable(client: pg.Client): Promise<void> {
  const kind = await client.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = to_regclass('public.user_game_stats')`);
  if (kind.rows[0]?.relkind === 'r') await client.query('SELECT refresh_user_stats()');
}

async function readMarker(adminUrl: string, database: string): Promise<Marker | undefined> {
  const admin = await connect(adminUrl);
  try {
    const result = await admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [database],
    );
    const comment = result.rows[0]?.comment;
    return comment ? (JSON.parse(comment) as Marker) : undefined;
  } catch {
    return undefined;
  } finally {
    await disconnect(admin);
  }
}

async function writeMarker(adminUrl: string, database: string, marker: Marker): Promise<void> {
  const admin = await connect(adminUrl);
  try {
    await admin.query(`COMMENT ON DATABASE ${admin.escapeIdentifier(database)} IS ${admin.escapeLiteral(JSON.stringify(marker))}`);
  } finally {
    await disconnect(admin);
  }
}
