import { ensureEmbeddedAppLogin } from '../../db/embedded-logins.js';
import { formatDatabaseUrl, parseDatabaseUrl } from '../../db/database-url.js';
import { runMigration } from '../run-migration.js';
import type { CommandContext } from '../command-context.js';
import { currentCommand } from './current.js';
import { DEFAULT_SERVE_PORT } from './serve.js';
import { loadDemoDataIfEmpty } from './demo-data.js';

/**
 * The main job (npm start): bring the database to head, load the demo data into an empty embedded
 * database (so there is something to look at), make the embedded app login (docs/roles-and-security.md),
 * then say where it stands and what to do next.
 */
export async function setupCommand(context: CommandContext): Promise<void> {
  await bringToHead(context);
  context.output.info(
    [
      '',
      'Next:',
      '  npm run db                         keep the database running for your app (Ctrl-C stops it)',
      '  npx play-later-db psql             a psql session on it, while npm run db runs',
      '  npx play-later-db url              its connection string',
      '  npx play-later-db --help           every command; README.md walks through changing the schema',
    ].join('\n'),
  );
}

/** Upgrade to the heads, the demo data into an empty embedded database, and `current`. */
export async function bringToHead(context: CommandContext): Promise<void> {
  await runMigration(context, 'up', 'heads', {});
  if (!context.config.databaseUrl) {
    await context.withDatabase(async ({ client, url }) => {
      await loadDemoDataIfEmpty(client, context.output.info);
      const app = await ensureEmbeddedAppLogin(client, context.config.dataDir, url, context.config);
      // Beside the owner's URL (below): what the app connects with, under row-level security. This
      // command's server stops when it ends, so the URL is given at the port `npm run db` serves on.
      if (app) {
        const served = parseDatabaseUrl(app.url);
        const shown = formatDatabaseUrl({ ...served, hosts: served.hosts.map((host) => ({ ...host, port: DEFAULT_SERVE_PORT })) }, 'mask');
        context.output.info(`While \`npm run db\` runs, the app connects as ${shown} (role ${context.config.appRole}; password in ${app.passwordFile}).`);
      }
    });
  }
  if (!context.output.json) await currentCommand(context, {});
}
