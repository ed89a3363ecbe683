import type pg from 'pg';
import { ensureHistoryTable } from '../runner/revision-history.js';
import { ensureVersionTable } from '../runner/version-table.js';
import { PlayLaterError, messageOf } from '../errors.js';
import type { Revision } from '../runner/revision.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { kyselyOn } from '../runner/single-connection-kysely.js';

export interface RevisionSql {
  revision: Revision;
  /** Every statement the revision's up() sent, in order, as sent. */
  statements: string[];
}

/**
 * The SQL each revision really sends: applies up() of every revision, in order, to an empty scratch
 * database, recording what reaches the connection. A revision that reads data to decide sends what
 * it decided on an empty database, the state a fresh deploy sees. Transactional revisions run in a
 * transaction on the handle the runner gives them (their transaction() is a savepoint, a COMMIT is
 * refused), the others without one, so CONCURRENTLY works.
 */
export async function captureRevisionSql(client: pg.Client, graph: RevisionGraph): Promise<RevisionSql[]> {
  const captured: RevisionSql[] = [];
  // The runner's bookkeeping tables exist when revisions run (013 grants on alembic_version).
  await ensureVersionTable(client);
  await ensureHistoryTable(client);
  let statements: string[] = [];
  const recording = recordQueries(client, (text) => statements.push(text));
  const inTransaction = kyselyOn(recording, { insideCallersTransaction: true });
  const autocommit = kyselyOn(recording);
  for (const revision of graph.order) {
    statements = [];
    try {
      if (revision.transactional) await client.query('BEGIN');
      await revision.up(revision.transactional ? inTransaction : autocommit, { log: () => undefined, offline: false });
      if (revision.transactional) await client.query('COMMIT');
    } catch (error) {
      if (revision.transactional) await client.query('ROLLBACK').catch(() => undefined);
      throw new PlayLaterError('E_LINT', `Revision ${revision.id} failed on an empty scratch database, so its SQL cannot be linted: ${messageOf(error)}`, {
        cause: error,
        hint: `Run "play-later-db upgrade head" on an empty database to see the failure, and fix ${revision.file}.`,
        data: { revision: revision.id, file: revision.file },
      });
    }
    captured.push({ revision, statements });
  }
  return captured;
}

/** A view of the client whose query() also hands each statement's text to `record`. */
function recordQueries(client: pg.Client, record: (text: string) => void): pg.Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return (...args: unknown[]) => {
        const first = args[0];
        const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
        if (text) record(text);
        return (target.query as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
