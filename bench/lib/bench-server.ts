import os from 'node:os';
import path from 'node:path';
import { connect, disconnect, type Client } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/db/embedded-server.js';

/** The benchmark's own embedded cluster: never the project's .play-later/ (git-ignored). */
export const BENCH_DATA_DIR = path.resolve(import.meta.dirname, '..', '..', '.play-later-bench');

/**
 * Settings of the embedded bench server, applied with ALTER SYSTEM (its own cluster only). Modest
 * values for a 2-core machine shared by others; a server given by URL is measured as it is set up.
 */
const EMBEDDED_SETTINGS: Record<string, string> = {
  shared_buffers: '1GB',
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
  maintenance_work_mem: '512MB',
  work_mem: '16MB',
  effective_cache_size: '8GB',
  random_page_cost: '1.1',
  max_parallel_maintenance_workers: '2',
};

export interface BenchServer {
  /** URL of the maintenance database ("postgres"): benchmarks create their databases through it. */
  adminUrl: string;
  embedded: boolean;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export async function openBenchServer(url: string | undefined, log: (line: string) => void): Promise<BenchServer> {
  // The server's own log only when asked (PLAY_LATER_BENCH_SERVER_LOG=1): warnings and errors are in it.
  const serverLog = process.env.PLAY_LATER_BENCH_SERVER_LOG === '1' ? (line: string) => log(`postgres: ${line}`) : undefined;
  if (url) {
    return { adminUrl: urlWith(url, 'postgres'), embedded: false, urlFor: (db) => urlWith(url, db), stop: async () => undefined };
  }
  let server = await startEmbeddedServer({ dataDir: BENCH_DATA_DIR, database: null, busyWaitMs: 600_000, log: serverLog });
  if (await applyEmbeddedSettings(server.urlFor('postgres'))) {
    log('bench server: settings changed, restarting it once');
    await server.stop();
    server = await startEmbeddedServer({ dataDir: BENCH_DATA_DIR, database: null, busyWaitMs: 600_000, log: serverLog });
  }
  const started: EmbeddedServer = server;
  return { adminUrl: started.urlFor('postgres'), embedded: true, urlFor: (db) => started.urlFor(db), stop: () => started.stop() };
}

/** Writes the settings (idempotent) and says whether one of them waits for a restart. */
async function applyEmbeddedSettings(adminUrl: string): Promise<boolean> {
  const client = await connect(adminUrl);
  try {
    for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) await client.query(`ALTER SYSTEM SET ${name} = '${value}'`);
    await client.query('SELECT pg_reload_conf()');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the postmaster re-reads the file asynchronously
    const pending = await client.query<{ pending: boolean }>('SELECT coalesce(bool_or(pending_restart), false) AS pending FROM pg_settings');
    return pending.rows[0]!.pending;
  } finally {
    await disconnect(client);
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the benchmark started: the machine is shared. */
  loadAverage: number[];
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((load) => Math.round(load * 10) / 10),
  };
}

export interface ServerInfo {
  version: string;
  embedded: boolean;
  settings: Record<string, string>;
}

export async function describeServer(client: Client, embedded: boolean): Promise<ServerInfo> {
  const version = (await client.query<{ version: string }>('SELECT version()')).rows[0]!.version;
  const names = [...Object.keys(EMBEDDED_SETTINGS), 'fsync', 'synchronous_commit', 'jit'];
  const rows = await client.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
    [names],
  );
  return { version, embedded, settings: Object.fromEntries(rows.rows.map((r) => [r.name, r.setting])) };
}

export async function createDatabase(adminUrl: string, name: string, template = 'template0'): Promise<void> {
  const admin = await connect(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(template)}`);
  } finally {
    await disconnect(admin);
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = await connect(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await disconnect(admin);
  }
}
