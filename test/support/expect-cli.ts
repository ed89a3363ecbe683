import { expect } from 'vitest';
import type { CliResult } from './run-cli.js';

/** A JavaScript stack frame ("    at fn (file.js:1:2)"): user errors must never print one. */
export const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * A bad input gave its typed error: the exit status, `error CODE:` and a hint on stderr, no stack
 * trace; with --json also `{ ok: false, error: { code } }` on stdout.
 */
export function expectCliError(result: CliResult, code: string, exitStatus: 1 | 2): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.stderr, context).toContain(`error ${code}:`);
  expect(result.stderr, context).toMatch(/^hint: \S/m);
  expect(result.stderr, context).not.toMatch(STACK_FRAME);
  expect(result.stderr, context).not.toContain('This is a bug');
  expect(result.code, context).toBe(exitStatus);
  if (result.stdout.trim().startsWith('{')) {
    expect(JSON.parse(result.stdout), context).toMatchObject({ ok: false, error: { code } });
  }
}

/** The parsed --json result of a command that succeeded. */
export function jsonResult<T = Record<string, unknown>>(result: CliResult): T {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}
