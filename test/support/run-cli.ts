import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './template-databases.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const INHERITED_SETTINGS_DROPPED = ['DATABASE_URL', 'DIRECT_DATABASE_URL', 'PLAY_LATER_DATA_DIR', 'PLAY_LATER_REVISIONS_DIR'];

/** Runs the installed bin (compiled JavaScript, as users run it) in a child process. */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Tests never touch the developer's database: the child sees only the settings the test gives it.
  for (const name of INHERITED_SETTINGS_DROPPED) delete env[name];
  Object.assign(env, options.env);
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'play-later-db.js'), ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
