import type pg from 'pg';
import { runToTarget } from '../../src/runner/executor.js';
import { resolveDowngradeTarget, resolveUpgradeTarget } from '../../src/runner/plan.js';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { readHeads } from '../../src/runner/version-table.js';
import { TEST_SETTINGS } from './template-databases.js';

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
  const applied = graph.appliedFrom(await readHeads(client));
  const goingDown = revision === 'base' || [...graph.descendants(revision)].some((id) => id !== revision && applied.has(id));
  const target = goingDown ? resolveDowngradeTarget(graph, revision, applied) : resolveUpgradeTarget(graph, revision, applied);
  const logged: string[] = [];
  await runToTarget({ client, graph, target, settings: TEST_SETTINGS, directUrl: directUrlOf(client), log: (message) => logged.push(message) });
  return logged;
}
