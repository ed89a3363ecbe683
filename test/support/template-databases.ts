import path from 'node:path';
import { connect, disconnect } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { runToTarget } from '../../src/runner/executor.js';
import { loadRevisions } from '../../src/runner/load-revisions.js';
import { resolveUpgradeTarget } from '../../src/runner/plan.js';
import { RevisionGraph } from '../../src/runner/revision-graph.js';
import { ensureTestLogins } from './role-logins.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const REVISIONS_DIR = path.join(PROJECT_ROOT, 'migrations');
/** Template at head: cloned per test file (CREATE DATABASE … TEMPLATE), fast and isolated. */
export const HEAD_TEMPLATE = 'plt_template_head';
/**
 * The seed's last revision. Tests of the seed's original behaviour (which later revisions correct)
 * run on a clone of SEED_TEMPLATE, a database at exactly this revision.
 */
export const SEED_REVISION = '005_add_database_views';
export const SEED_TEMPLATE = 'plt_template_005';

export const TEST_SETTINGS = { lockWaitMs: 30_000, lockTimeoutMs: 5_000, lockRetries: 3, statementTimeoutMs: 0 };

export async function loadProjectGraph(): Promise<RevisionGraph> {
  return new RevisionGraph(await loadRevisions(REVISIONS_DIR));
}

/**
 * (Re)builds the templates on a server: used by the global setup, once per server. The head
 * template is a clone of the seed template brought on to head, so 001–005 run only once.
 */
export async function buildTemplateDatabases(adminUrl: string): Promise<void> {
  const graph = await loadProjectGraph();
  const admin = await connect(adminUrl);
  try {
    for (const template of [HEAD_TEMPLATE, SEED_TEMPLATE]) await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${SEED_TEMPLATE}`);
    await migrateDatabase(urlWith(adminUrl, SEED_TEMPLATE), graph, SEED_REVISION);
    await admin.query(`CREATE DATABASE ${HEAD_TEMPLATE} TEMPLATE ${SEED_TEMPLATE}`);
    await migrateDatabase(urlWith(adminUrl, HEAD_TEMPLATE), graph, 'heads');
    await ensureTestLogins(admin, adminUrl);
  } finally {
    await disconnect(admin);
  }
}

/** Upgrades the database at url to a revision (or `heads`) with the runner, on its own connection. */
export async function migrateDatabase(url: string, graph: RevisionGraph, reference: string): Promise<void> {
  const client = await connect(url);
  try {
    // The URL is direct (never PgBouncer here): non-transactional revisions need one.
    await runToTarget({ client, graph, target: resolveUpgradeTarget(graph, reference, new Set()), settings: TEST_SETTINGS, directUrl: url });
  } finally {
    await disconnect(client);
  }
}
