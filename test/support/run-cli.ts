import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { PROJECT_ROOT } from './template-databases.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const INHERITED_SETTINGS_DROPPED = ['DATABASE_URL', 'DIRECT_DATABASE_URL', 'PLAY_LATER_DATA_DIR', 'PLAY_LATER_REVISIONS_DIR'];

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Settles when the process has exited. */
  result: Promise<CliResult>;
  /** Resolves once stderr matches (e.g. a revision's log line): the moment to kill it. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** Resolves once stdout matches (e.g. serve's ready line). */
  waitForStdout(pattern: RegExp): Promise<void>;
}

/** Tests never touch the developer's database: a command sees only the settings the test gives it. */
function commandEnv(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SETTINGS_DROPPED) delete env[name];
  Object.assign(env, options.env);
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key];
  return env;
}

/**
 * Starts the installed bin (compiled JavaScript, as users run it) in a child process: for what only
 * a process shows (signals, Ctrl-C, exit paths, concurrent runners, other Node versions).
 */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const env = commandEnv(options);
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'play-later-db.js'), ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const waiters: { stream: keyof typeof output; pattern: RegExp; resolve: () => void }[] = [];
  const collect = (stream: keyof typeof output) => (chunk: Buffer) => {
    output[stream] += chunk.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.stream === stream && waiter.pattern.test(output[stream])) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout!.on('data', collect('stdout'));
  child.stderr!.on('data', collect('stderr'));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...output });
    });
  });
  const waitFor =
    (stream: keyof typeof output) =>
    (pattern: RegExp): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(output[stream])) return resolve();
        waiters.push({ stream, pattern, resolve });
        void result.then((done) => reject(new Error(`exited (${done.code ?? done.signal}) before ${stream} matched ${pattern}:\n${done.stderr}`)));
      });
  return { child, result, waitForStderr: waitFor('stderr'), waitForStdout: waitFor('stdout') };
}

/** Runs the installed bin to completion, in a child process (see startCli). */
export function runBin(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/**
 * Runs a command in this process through the CLI's entry function, `main(argv, io)`, on the
 * sources: the same parsing, output and exit status as the bin, without a Node start-up per call.
 * stdout and stderr are captured as strings, neither is a terminal, and stdin is empty (as in CI).
 * `timeoutMs` does not apply: the test's own timeout bounds it.
 */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const output = { stdout: '', stderr: '' };
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const code = await main(args, {
    stdout: { write: (text: string) => (output.stdout += text) },
    stderr: { write: (text: string) => (output.stderr += text), isTTY: false },
    stdin,
    env: commandEnv(options),
    cwd: options.cwd ?? PROJECT_ROOT,
  });
  return { code, signal: null, ...output };
}
