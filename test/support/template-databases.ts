import path from 'node:path';
import { connect, disconnect } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { runToTarget } from '../../src/runner/executor.js';
import { loadRevisions } from '../../src/runner/load-revisions.js';
import { resolveUpgradeTarget } from '../../src/runner/plan.js';
import { RevisionGraph } from '../../src/runner/revision-graph.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const REVISIONS_DIR = path.join(PROJECT_ROOT, 'migrations');
/** Template at head: cloned per test file (CREATE DATABASE … TEMPLATE), fast and isolated. */
export const HEAD_TEMPLATE = 'plt_template_head';

export const TEST_SETTINGS = { lockWaitMs: 30_000, lockTimeoutMs: 5_000, lockRetries: 3, statementTimeoutMs: 0 };

export async function loadProjectGraph(): Promise<RevisionGraph> {
  return new RevisionGraph(await loadRevisions(REVISIONS_DIR));
}

/** (Re)builds the head template on a server: used by the global setup, once per server. */
export async function buildTemplateDatabases(adminUrl: string): Promise<void> {
  const admin = await connect(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${HEAD_TEMPLATE}`);
    await admin.query(`CREATE DATABASE ${HEAD_TEMPLATE}`);
  } finally {
    await disconnect(admin);
  }
  const graph = await loadProjectGraph();
  const url = urlWith(adminUrl, HEAD_TEMPLATE);
  const client = await connect(url);
  try {
    // directUrl: the admin URL is direct; non-transactional revisions need one.
    await runToTarget({ client, graph, target: resolveUpgradeTarget(graph, 'heads', new Set()), settings: TEST_SETTINGS, directUrl: url });
  } finally {
    await disconnect(client);
  }
}
