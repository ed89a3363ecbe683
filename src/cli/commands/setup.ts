import { runMigration } from '../run-migration.js';
import type { CommandContext } from '../command-context.js';
import { currentCommand } from './current.js';

/** The main job (npm start): bring the database to head, then say where it stands. */
export async function setupCommand(context: CommandContext): Promise<void> {
  await runMigration(context, 'up', 'heads', {});
  if (!context.output.json) await currentCommand(context, {});
}
