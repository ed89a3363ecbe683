/**
 * A database brought to head on a throw-away embedded PostgreSQL (fsync off), for the scripts and
 * ad-hoc benchmarks that need the schema at head without touching any configured database.
 */
import path from 'node:path';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { withThrowawayServer } from '../../src/db/embedded-server.js';
import { runToTarget } from '../../src/runner/executor.js';
import { loadRevisions } from '../../src/runner/load-revisions.js';
import { resolveUpgradeTarget } from '../../src/runner/plan.js';
import { RevisionGraph } from '../../src/runner/revision-graph.js';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SETTINGS = { lockWaitMs: 30_000, lockTimeoutMs: 5_000, lockRetries: 3, statementTimeoutMs: 0 };

/** Runs `work` on database `name` at head; the server is stopped and its folder removed on every path. */
export async function withHeadOnThrowawayServer<T>(name: string, work: (url: string, client: pg.Client) => Promise<T>): Promise<T> {
  return withThrowawayServer(`play-later-${name}-`, name, async (server) => {
    const url = server.urlFor(name);
    const client = await connect(url);
    try {
      const graph = new RevisionGraph(await loadRevisions(path.join(PROJECT_ROOT, 'migrations')));
      await runToTarget({ client, graph, target: resolveUpgradeTarget(graph, 'heads', new Set()), settings: SETTINGS, directUrl: url });
      return await work(url, client);
    } finally {
      await disconnect(client);
    }
  });
}
