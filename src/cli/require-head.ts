import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import { Migrator } from '../runner/migrator.js';
import type { RevisionGraph } from '../runner/revision-graph.js';

/** Data commands need the schema at head: say so clearly rather than fail on a missing table. */
export async function requireHead(client: pg.Client, graph: RevisionGraph): Promise<void> {
  const { pending } = await new Migrator({ graph, client }).status();
  if (pending.length > 0) {
    throw new PlayLaterError('E_USAGE', `The database is not at head (pending: ${pending.join(', ')}).`, { hint: 'Run `play-later-db upgrade head` first.' });
  }
}
