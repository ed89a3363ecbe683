/**
 * A PostgreSQL 15 primary and a streaming hot standby of it (pg_basebackup -R), on loopback and
 * random ports, for the tests of multi-host connection strings: target_session_attrs needs a real
 * standby (pg_is_in_recovery), which default_transaction_read_only on one server would not be.
 * Debian's PostgreSQL 15 binaries are needed (scripts/ci/start-test-servers.sh installs them in CI);
 * as root, the servers run as the `postgres` system user, since PostgreSQL refuses root.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { REQUIRE_ALL_SERVERS } from './servers.js';
import { waitFor } from './wait-for.js';

const BIN_DIR = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export interface PrimaryAndStandby {
  password: string;
  primaryPort: number;
  standbyPort: number;
  /** Superuser URL of one node, database "postgres" (or `database`). */
  url(node: 'primary' | 'standby', database?: string): string;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export function pg15Available(): boolean {
  return ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'].every((tool) => existsSync(path.join(BIN_DIR, tool)));
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the server's user (postgres when we are root). */
async function asServerUser(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const binary = path.join(BIN_DIR, tool);
  const envArgs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', 'env', ...envArgs, binary, ...args]] : ['env', [...envArgs, binary, ...args]];
  const { stdout } = await run(command, commandArgs, { timeout: 120_000 });
  return stdout;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startPrimaryAndStandby(): Promise<PrimaryAndStandby> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'plt-primary-standby-'));
  const password = randomBytes(12).toString('hex');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primaryDir = path.join(folder, 'primary');
  const standbyDir = path.join(folder, 'standby');
  const started: string[] = [];
  const stop = async (): Promise<void> => {
    for (const dir of started.reverse()) await asServerUser('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    started.length = 0;
    rmSync(folder, { recursive: true, force: true });
  };
  const serverOptions = (port: number): string => `-p ${port} -c listen_addresses=127.0.0.1 -k ${folder} -c fsync=off -c full_page_writes=off -c max_connections=50`;
  try {
    chmodSync(folder, 0o700);
    if (asRoot) chownSync(folder, ...postgresIds());
    const passwordFile = path.join(folder, 'pwfile');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (asRoot) chownSync(passwordFile, ...postgresIds());
    // initdb's pg_hba.conf also lets 127.0.0.1 open replication connections with the same method.
    await asServerUser('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C.UTF-8']);
    rmSync(passwordFile);
    await asServerUser('pg_ctl', ['-D', primaryDir, '-l', path.join(folder, 'primary.log'), '-w', '-t', '60', 'start', '-o', serverOptions(primaryPort)]);
    started.push(primaryDir);
    // -R writes standby.signal and primary_conninfo (with this password) into the copy.
    await asServerUser('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '--checkpoint=fast'], { PGPASSWORD: password });
    await asServerUser('pg_ctl', ['-D', standbyDir, '-l', path.join(folder, 'standby.log'), '-w', '-t', '60', 'start', '-o', serverOptions(standbyPort)]);
    started.push(standbyDir);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (node: 'primary' | 'standby', database = 'postgres'): string =>
    `postgresql://postgres:${password}@127.0.0.1:${node === 'primary' ? primaryPort : standbyPort}/${database}`;
  const cluster: PrimaryAndStandby = {
    password,
    primaryPort,
    standbyPort,
    url,
    stop,
    async caughtUp() {
      const primary = await connect(url('primary'));
      try {
        const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        await waitFor('the standby to replay the primary\'s WAL', async () => {
          const { rows: replayed } = await primary.query<{ done: boolean }>(
            "SELECT bool_or(replay_lsn >= $1::pg_lsn AND state = 'streaming') AS done FROM pg_stat_replication",
            [rows[0]!.lsn],
          );
          return replayed[0]?.done === true;
        });
      } finally {
        await disconnect(primary);
      }
    },
  };
  try {
    await cluster.caughtUp();
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}

function postgresIds(): [number, number] {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return [id('-u'), id('-g')];
}

/**
 * A primary and a standby for the file's tests, stopped after them. Without PostgreSQL 15 the
 * tests are skipped, except under CI=true, where the first test fails naming what is missing.
 * Returns a getter (the servers start in beforeAll).
 */
export function usePrimaryAndStandby(): { get(): PrimaryAndStandby; available: boolean } {
  const available = pg15Available();
  let cluster: PrimaryAndStandby | undefined;
  if (!available && REQUIRE_ALL_SERVERS) {
    it('PostgreSQL 15 (primary and standby) is installed', () => {
      throw new Error(`CI=true requires Debian's PostgreSQL 15 in ${BIN_DIR} (scripts/ci/start-test-servers.sh installs it).`);
    });
  }
  beforeAll(async () => {
    if (available) cluster = await startPrimaryAndStandby();
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    available,
    get() {
      if (!cluster) throw new Error('the primary and standby did not start (see beforeAll)');
      return cluster;
    },
  };
}
