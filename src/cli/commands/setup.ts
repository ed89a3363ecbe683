import { runMigration } from '../run-migration.js';
import type { CommandContext } from '../command-context.js';
import { currentCommand } from './current.js';
import { loadDemoDataIfEmpty } from './demo-data.js';

/**
 * The main job (npm start): bring the database to head, load the demo data into an empty embedded
 * database (so there is something to look at), then say where it stands.
 */
export async function setupCommand(context: CommandContext): Promise<void> {
  await runMigration(context, 'up', 'heads', {});
  if (!context.config.databaseUrl) await context.withDatabase(({ client }) => loadDemoDataIfEmpty(client, context.output.info));
  if (!context.output.json) await currentCommand(context, {});
}
