import type pg from 'pg';
import { loadDemoData } from '../../demo/load-demo-data.js';
import type { CommandContext } from '../command-context.js';
import { requireHead } from '../require-head.js';

/** `demo-data`: load the demo data set (idempotent) into a database at head. */
export async function demoDataCommand(context: CommandContext): Promise<void> {
  const graph = await context.graph();
  await context.withDatabase(async ({ client, displayUrl }) => {
    await requireHead(client, graph);
    const result = await loadDemoData(client, context.output.info);
    context.output.result(
      `Demo data in ${displayUrl}: ${result.games} games, ${result.users} users; added ${result.collectionAdded} collection entries and ${result.playthroughsAdded} playthroughs.`,
      { ok: true, database: displayUrl, ...result },
    );
  });
}

/** For setup (npm start): load the demo data only into an empty database. */
export async function loadDemoDataIfEmpty(client: pg.Client, log: (line: string) => void): Promise<boolean> {
  const { rows } = await client.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM games) AS empty');
  if (!rows[0]?.empty) return false;
  log('The database is empty: loading the demo data set (play-later-db demo-data).');
  await loadDemoData(client, log);
  return true;
}
