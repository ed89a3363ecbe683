import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
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

/** Starts the installed bin (compiled JavaScript, as users run it) in a child process. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Tests never touch the developer's database: the child sees only the settings the test gives it.
  for (const name of INHERITED_SETTINGS_DROPPED) delete env[name];
  Object.assign(env, options.env);
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key];
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

/** Runs the installed bin to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}
