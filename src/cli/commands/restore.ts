import path from 'node:path';
import { restoreConfiguredDatabase } from '../../ops/restore.js';
import type { CommandContext } from '../command-context.js';

/** Puts the configured database back to the state of a backup. */
export async function restoreCommand(context: CommandContext, backup: string): Promise<void> {
  const result = await restoreConfiguredDatabase(context.config, path.resolve(backup));
  context.output.result(`Restored "${result.database}" from ${result.backup}\nHow: ${result.method}`, { ok: true, ...result });
}
