import { spawn } from 'node:child_process';
import { maskUrl } from '../../db/database-url.js';
import { EMBEDDED_DATABASE, releaseSignalHandlers, startEmbeddedServer } from '../../db/embedded-server.js';
import { findServedServer, forgetServedServer, recordServedServer } from '../../db/served-server.js';
import { PlayLaterError } from '../../errors.js';
import { findPgTool } from '../../ops/pg-tools.js';
import { toolConnection } from '../../ops/run-tool.js';
import type { CommandContext } from '../command-context.js';
import { bringToHead } from './setup.js';

/** A fixed default, so the app's DATABASE_URL stays the same from one `serve` to the next. */
export const DEFAULT_SERVE_PORT = 54320;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `serve` (npm run db): the embedded server at head, with the demo data when empty, kept running
 * for an app until Ctrl-C (SIGINT), SIGTERM or SIGHUP, then stopped cleanly (exit 0). While it
 * runs, every other command without DATABASE_URL uses it (src/db/served-server.ts).
 */
export async function serveCommand(context: CommandContext, flags: { port?: string }): Promise<void> {
  const { config, output } = context;
  if (config.databaseUrl) {
    throw new PlayLaterError('E_USAGE', 'serve runs the embedded PostgreSQL, but a database URL is configured (DATABASE_URL, -d or databaseUrl).', {
      hint: 'Unset DATABASE_URL to serve the embedded database; a server of your own needs no serve.',
    });
  }
  const port = parsePort(flags.port);
  const running = findServedServer(config.dataDir);
  if (running) {
    throw new PlayLaterError('E_EMBEDDED_BUSY', `play-later-db serve (process ${running.pid}) already serves ${maskUrl(running.url)}.`, {
      hint: 'Use it (play-later-db url, play-later-db psql), or stop it with Ctrl-C in its terminal.',
    });
  }
  const server = await startEmbeddedServer({ dataDir: config.dataDir, database: EMBEDDED_DATABASE, port, log: context.sessionOptions().log });
  releaseSignalHandlers();
  const url = server.urlFor(EMBEDDED_DATABASE);
  const stopRequested = new Promise<string>((resolve) => {
    for (const signal of STOP_SIGNALS) process.once(signal, () => resolve(signal));
  });
  try {
    recordServedServer(config.dataDir, { pid: process.pid, port: server.port, url });
    await bringToHead(context);
    output.result(
      [
        `Serving ${maskUrl(url)} (embedded PostgreSQL 18, data in ${config.dataDir}).`,
        '  DATABASE_URL for your app:  npx play-later-db url --show-password',
        '  a psql session:             npx play-later-db psql',
        `Ready: accepting connections on port ${server.port}; press Ctrl-C to stop.`,
      ].join('\n'),
      { ok: true, command: 'serve', url: maskUrl(url), port: server.port, pid: process.pid, ready: true },
    );
    const ended = await Promise.race([stopRequested, server.exited.then(() => 'exit' as const)]);
    if (ended === 'exit') {
      throw new PlayLaterError('E_EMBEDDED_START', `The embedded PostgreSQL on port ${server.port} stopped by itself.`, {
        hint: 'Run with --debug to see its log, then start serve again.',
      });
    }
    output.info(`${ended}: stopping the embedded PostgreSQL…`);
  } finally {
    forgetServedServer(config.dataDir);
    await server.stop();
    for (const signal of STOP_SIGNALS) process.removeAllListeners(signal);
  }
  output.info('Stopped.');
}

/** `url`: the connection string of the configured database, or of the server `serve` runs. */
export function urlCommand(context: CommandContext, flags: { showPassword?: boolean }): void {
  const url = runningDatabaseUrl(context);
  const shown = flags.showPassword ? url : maskUrl(url);
  // The --json document is masked anyway (Output.result); the bare URL goes straight to stdout.
  if (context.output.json) context.output.result('', { ok: true, url: maskUrl(url) });
  else context.output.raw(`${shown}\n`);
}

/** `psql`: an interactive psql on the configured database, or on the server `serve` runs. */
export async function psqlCommand(context: CommandContext, args: readonly string[]): Promise<void> {
  const connection = toolConnection(runningDatabaseUrl(context));
  const psql = await findPgTool('psql', 0, context.config.pgBinDir, 'E_USAGE');
  // The URL without its password (every host, every parameter); the password goes through the
  // environment, never the command line (ps shows that).
  const env = { ...context.io.env, ...connection.env };
  args = [`--dbname=${connection.dbname}`, ...args];
  const ignoreInterrupt = (): void => undefined; // Ctrl-C belongs to psql (it cancels the query)
  process.on('SIGINT', ignoreInterrupt);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(psql.path, args, { env, stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new PlayLaterError('E_DATABASE', `psql exited with status ${String(code)}.`, { hint: 'Read what psql printed above.' });
  } finally {
    process.removeListener('SIGINT', ignoreInterrupt);
  }
}

function runningDatabaseUrl(context: CommandContext): string {
  const { config } = context;
  if (config.databaseUrl) return config.databaseUrl;
  const served = findServedServer(config.dataDir);
  if (served) return served.url;
  throw new PlayLaterError('E_SERVER_NOT_RUNNING', `No database is running: play-later-db serve is not running on ${config.dataDir}, and no DATABASE_URL is set.`, {
    hint: 'Start it in another terminal with npm run db (play-later-db serve), or set DATABASE_URL.',
  });
}

/** 0 asks for any free port (undefined: startEmbeddedServer picks one). */
function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return DEFAULT_SERVE_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new PlayLaterError('E_USAGE', `--port must be a port number from 1 to 65535, or 0 for any free port (got "${raw}").`);
  }
  return port === 0 ? undefined : port;
}
