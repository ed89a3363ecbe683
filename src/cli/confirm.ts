import { PlayLaterError } from '../errors.js';
import type { CliIo } from './io.js';
import type { Output } from './output.js';

export interface Confirmation {
  /** What will be lost, in one sentence ("downgrade base drops tables holding rows: games (…)"). */
  danger: string;
  /** The command as typed, for the hint that adds --yes. */
  command: string;
}

/**
 * The one gate of destructive commands: asks `… [y/N]` on a terminal; elsewhere (a script, CI, a
 * pipe) it stops with E_CONFIRMATION_REQUIRED (exit 2) before anything has changed. Commands call
 * it only when they found data at risk, and not at all with --yes or on the embedded development
 * database (theirs to lose, and recreated by `setup`).
 */
export async function confirmDestructive(output: Output, confirmation: Confirmation, io: Pick<CliIo, 'stdin' | 'stderr'> = process): Promise<void> {
  const hint = `Run it on a terminal to be asked, or confirm in advance: ${confirmation.command} --yes`;
  if (!io.stdin.isTTY || !io.stderr.isTTY) {
    throw new PlayLaterError('E_CONFIRMATION_REQUIRED', `${confirmation.danger}; nothing was changed: this needs a confirmation.`, { hint });
  }
  output.log('warn', confirmation.danger);
  const { createInterface } = await import('node:readline/promises'); // only when asking: start-up counts
  const terminal = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  try {
    const answer = await terminal.question('Continue? [y/N] ');
    if (/^\s*y(es)?\s*$/i.test(answer)) return;
  } finally {
    terminal.close();
  }
  throw new PlayLaterError('E_CONFIRMATION_REQUIRED', 'Not confirmed; nothing was changed.', { hint });
}
