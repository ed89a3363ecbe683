import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';

/**
 * A Kysely bound to the runner's one connection, so that a revision's queries run inside the
 * transaction the runner opened. Releasing is a no-op: the runner owns the connection.
 */
export function kyselyOn(client: pg.Client): Kysely<any> {
  const lease = {
    query: (text: string, values?: unknown[]) => client.query(text, values),
    release: () => undefined,
    processID: (client as unknown as { processID?: number }).processID,
  };
  const pool = { connect: async () => lease, end: async () => undefined };
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as never }) });
}
