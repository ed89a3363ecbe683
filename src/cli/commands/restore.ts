import path from 'node:path';
import { inspectBackup, restoreConfiguredDatabase, restoreTargetUrl, tablesHoldingRows } from '../../ops/restore.js';
import type { CommandContext } from '../command-context.js';
import { confirmDestructive } from '../confirm.js';

const LISTED = 5;

/**
 * Puts the configured database back to the state of a backup. Replacing a database that holds rows
 * asks first (--yes off a terminal); the embedded development database does not ask.
 */
export async function restoreCommand(context: CommandContext, backup: string, flags: { yes?: boolean } = {}): Promise<void> {
  const file = path.resolve(backup);
  const kind = inspectBackup(file); // not a backup: say so before asking anything
  const url = restoreTargetUrl(context.config);
  // An embedded copy restores only the embedded database (never asked about); with a URL set it is refused below.
  if (kind === 'dump' && url && !flags.yes) {
    const holding = await tablesHoldingRows(url);
    if (holding.length > 0) {
      const listed = `${holding.slice(0, LISTED).join(', ')}${holding.length > LISTED ? ` and ${holding.length - LISTED} more` : ''}`;
      await confirmDestructive(context.output, {
        danger: `restore replaces the whole database, whose tables hold rows (${listed}), by the backup`,
        command: `play-later-db restore ${backup}`,
      }, context.io);
    }
  }
  const result = await restoreConfiguredDatabase(context.config, file);
  context.output.result(`Restored "${result.database}" from ${result.backup}\nHow: ${result.method}`, { ok: true, ...result });
}
