import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { readHeads } from '../runner/version-table.js';

/** Data commands need the schema at head: say so clearly rather than fail on a missing table. */
export async function requireHead(client: pg.Client, graph: RevisionGraph): Promise<void> {
  const applied = graph.appliedFrom(await readHeads(client));
  const pending = graph.order.filter((revision) => !applied.has(revision.id)).map((revision) => revision.id);
  if (pending.length > 0) {
    throw new PlayLaterError('E_USAGE', `The database is not at head (pending: ${pending.join(', ')}).`, { hint: 'Run `play-later-db upgrade head` first.' });
  }
}
