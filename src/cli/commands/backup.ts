import { backupConfiguredDatabase } from '../../ops/backup.js';
import type { CommandContext } from '../command-context.js';
import { plural } from '../../plural.js';

/** One backup of the configured database into backupDir; older ones beyond backupKeep removed. */
export async function backupCommand(context: CommandContext): Promise<void> {
  const result = await backupConfiguredDatabase(context.config);
  const lines = [`Backup of "${result.database}": ${result.path}`, `Made with: ${result.method}`];
  if (result.removed.length > 0) lines.push(`Removed ${plural(result.removed.length, 'older backup')} beyond backupKeep=${context.config.backupKeep}: ${result.removed.join(', ')}`);
  lines.push(`Restore it with: play-later-db restore ${result.path}`);
  context.output.result(lines.join('\n'), { ok: true, ...result });
}
