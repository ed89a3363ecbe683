import { spawn } from 'node:child_process';
import { formatDatabaseUrl, maskUrl, parseDatabaseUrl } from '../db/database-url.js';
import { onExit } from '../exit-cleanup.js';

export interface ToolResult {
  code: number | null;
  stdout: string;
  /** What the tool printed on stderr, with every URL password and every given secret masked. */
  stderr: string;
}

/**
 * A tiny Node program between us and a long-running tool: Linux has no prctl(PR_SET_PDEATHSIG) in
 * Node, so the tool would outlive a CLI killed with -9. The watchdog holds the read end of a pipe
 * whose only writer is the CLI; when the CLI dies, however, the pipe reaches end-of-file and the
 * watchdog stops the tool. Signals sent to the watchdog are passed on; it exits as the tool did.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [command, ...args] = process.argv.slice(1);
const tool = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const stop = (signal) => { if (tool.exitCode === null && tool.signalCode === null) tool.kill(signal); };
process.stdin.on('end', () => stop('SIGTERM'));
process.stdin.on('error', () => stop('SIGTERM'));
process.stdin.resume();
for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM']) process.on(signal, () => stop(signal));
tool.on('error', (error) => { process.stderr.write(command + ': ' + error.message + '\\n'); process.exit(127); });
tool.on('exit', (code, signal) => process.exit(code === null ? 128 + (constants.signals[signal] || 0) : code));
`;

export interface ToolOptions {
  env?: NodeJS.ProcessEnv;
  secrets?: readonly string[];
  /**
   * Stop the tool when this process ends, even killed with -9 (through the watchdog above), and
   * on SIGINT/SIGTERM (exit-cleanup.ts). For tools that run long: pg_dump, pg_restore, cp.
   */
  stopWithParent?: boolean;
}

/**
 * Runs an external program (pg_dump, pg_restore, cp) and captures its output. The password goes in
 * the environment (PGPASSWORD), never on the command line where `ps` shows it; whatever the tool
 * prints is masked before anyone sees it, in case it echoes a connection string or the password.
 */
export function runTool(command: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...options.env };
    const child = options.stopWithParent
      ? spawn(process.execPath, ['-e', WATCHDOG, command, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forget = options.stopWithParent ? onExit(() => child.kill('SIGTERM')) : () => undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const finish = (code: number | null, extra = ''): void => {
      forget();
      resolve({ code, stdout: redactSecrets(stdout, options.secrets), stderr: redactSecrets(`${stderr}${extra}`, options.secrets).trim() });
    };
    child.on('error', (error) => finish(null, `${command}: ${error.message}`));
    child.on('close', (code) => finish(code));
  });
}

/** Masks URL passwords and each literal secret (a password can appear on its own in a message). */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let masked = maskUrl(text);
  for (const secret of secrets) if (secret) masked = masked.split(secret).join('***');
  return masked;
}

/** How a libpq program (pg_dump, pg_restore, psql) is told where to connect. */
export interface ToolConnection {
  /** For --dbname: one libpq URL, every host and parameter kept, the password left out. */
  dbname: string;
  /** PGPASSWORD when the connection string has a password: the environment is not shown by `ps`. */
  env: NodeJS.ProcessEnv;
  /** What to mask in the tool's output (the password, raw and encoded). */
  secrets: string[];
}

/**
 * The connection string, of whatever form the user wrote, as a child tool receives it: the same
 * hosts, target_session_attrs and options (libpq tries the hosts itself), and the password in the
 * environment, never on the command line.
 */
export function toolConnection(connectionString: string, database?: string): ToolConnection {
  const parsed = parseDatabaseUrl(connectionString);
  const target = database === undefined ? parsed : { ...parsed, database };
  const secrets = [target.password, target.params.get('sslpassword')].filter((secret): secret is string => Boolean(secret));
  return {
    dbname: formatDatabaseUrl(target, 'omit'),
    env: target.password === undefined ? {} : { PGPASSWORD: target.password },
    secrets: secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]),
  };
}
