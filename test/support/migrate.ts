import type pg from 'pg';
import { Migrator, type RevisionGraph } from '../../src/runner/migrator.js';

/** The client's own server and database, for the direct connection a non-transactional revision opens. */
function directUrlOf(client: pg.Client): string {
  const { user, password, host, port, database } = client as unknown as { user: string; password?: string; host: string; port: number; database: string };
  const auth = `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}`;
  return `postgresql://${auth}@${host.startsWith('/') ? 'localhost' : host}:${port}/${encodeURIComponent(database)}${host.startsWith('/') ? `?host=${encodeURIComponent(host)}` : ''}`;
}

/**
 * Moves a database to a revision (or 'base'), up or down as needed, and returns what the revisions
 * reported through context.log().
 */
export async function migrateTo(client: pg.Client, graph: RevisionGraph, revision: string): Promise<string[]> {
  const logged: string[] = [];
  const migrator = new Migrator({ graph, client, directUrl: directUrlOf(client), onEvent: (event) => event.type === 'log' && logged.push(event.message) });
  await migrator.migrateTo(revision);
  return logged;
}
