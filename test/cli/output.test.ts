/**
 * What a person sees: phases with their times and colour only on a terminal (never in a pipe, with
 * --json or --quiet; colour off with NO_COLOR or --no-color), a hint under every error, plurals
 * right, --version. The terminal cases run the real binary under script(1), which gives it a pty.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Output, formatDuration } from '../../src/cli/output.js';
import { PlayLaterError } from '../../src/errors.js';
import { plural } from '../../src/plural.js';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../support/run-cli.js';
import { PROJECT_ROOT } from '../support/template-databases.js';

const ESC = '\x1b[';

function captureStderr(): { text: () => string } {
  let text = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return { text: () => text };
}

afterEach(() => vi.restoreAllMocks());

describe('Output', () => {
  it('on a terminal, a phase shows its label, then a check mark with its time, in colour', async () => {
    const stderr = captureStderr();
    const output = new Output(false, 'info', { progress: true, color: true });
    expect(await output.phase('squawk run on 12 revisions', async () => 42)).toBe(42);
    expect(stderr.text()).toContain('… squawk run on 12 revisions');
    expect(stderr.text()).toMatch(/\r\x1b\[K\x1b\[32m✓\x1b\[0m squawk run on 12 revisions \x1b\[2m\(\d+ ms\)\x1b\[0m\n$/);
  });

  it('a failing phase is marked and its error passes through', async () => {
    const stderr = captureStderr();
    const output = new Output(false, 'info', { progress: true, color: false });
    await expect(output.phase('scratch database', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(stderr.text()).toBe('… scratch database\r\x1b[K✗ scratch database\n');
  });

  it('no progress in a pipe, with --json or with --quiet', async () => {
    const stderr = captureStderr();
    for (const output of [
      new Output(false, 'info', { progress: false, color: false }),
      new Output(true, 'info', { progress: true, color: true }),
      new Output(false, 'warn', { progress: true, color: true }),
    ]) {
      await output.phase('phase', async () => undefined);
    }
    expect(stderr.text()).toBe('');
  });

  it('every error has its hint line, from the code when the raiser gave none; colour only when asked', () => {
    const stderr = captureStderr();
    expect(new Output(false, 'info', { progress: false, color: false }).error(new PlayLaterError('E_LOCK_TIMEOUT', 'Busy.'))).toBe(1);
    expect(stderr.text()).toBe('error E_LOCK_TIMEOUT: Busy.\nhint: Another runner holds the migration lock: wait for it, or raise --lock-wait.\n');
    new Output(false, 'info', { progress: false, color: true }).error(new PlayLaterError('E_USAGE', 'Bad.'));
    expect(stderr.text()).toContain(`${ESC}31merror E_USAGE:${ESC}0m Bad.\n${ESC}36mhint:${ESC}0m Run the command with --help`);
  });

  it('plurals and durations', () => {
    expect([plural(0, 'game'), plural(1, 'game'), plural(2, 'game'), plural(1, 'lock retry', 'lock retries'), plural(3, 'lock retry', 'lock retries')]).toEqual([
      '0 games',
      '1 game',
      '2 games',
      '1 lock retry',
      '3 lock retries',
    ]);
    expect([formatDuration(14.2), formatDuration(1234), formatDuration(125_000)]).toEqual(['14 ms', '1.2 s', '2 min 5 s']);
  });
});

/** Runs the real binary on a pseudo-terminal; script(1) merges its stdout and stderr. */
function onTerminal(args: string, env: NodeJS.ProcessEnv = {}): string {
  const command = `${process.execPath} ${path.join(PROJECT_ROOT, 'bin', 'play-later-db.js')} ${args}`;
  try {
    return execFileSync('script', ['-qec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '', ...env }, encoding: 'utf8', timeout: 60_000 });
  } catch (error) {
    return String((error as { stdout?: string }).stdout);
  }
}

describe('the CLI on a terminal and in a pipe', () => {
  it('colours the error on a terminal, not with NO_COLOR or --no-color, never in a pipe', async () => {
    const failing = '--revisions-dir /nonexistent heads';
    expect(onTerminal(failing)).toContain(`${ESC}31merror E_CONFIG:`);
    expect(onTerminal(failing, { NO_COLOR: '1' })).not.toContain(ESC);
    expect(onTerminal(`--no-color ${failing}`)).not.toContain(ESC);
    const piped = await runCli(failing.split(' '));
    expect(piped.stderr).toMatch(/^error E_CONFIG: .*\nhint: \S/);
    expect(piped.stderr).not.toContain(ESC);
  });

  it('lint shows its phases with their times on a terminal (in a pipe: none, as the Output tests show)', async () => {
    const shown = onTerminal('lint');
    expect(shown).toMatch(/✓.* SQL of \d+ revisions captured on a scratch database .*\(\d+(\.\d)? m?s\)/);
    expect(shown).toMatch(/✓.* squawk run on \d+ revisions/);
    expect(shown).toContain('Lint passed.');
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });
});
