import path from 'node:path';
import { connect, disconnect } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { Migrator, loadRevisionGraph, type RevisionGraph } from '../../src/runner/migrator.js';
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

export function loadProjectGraph(): Promise<RevisionGraph> {
  return loadRevisionGraph(REVISIONS_DIR);
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
  // The URL is direct (never PgBouncer here): non-transactional revisions need one.
  await new Migrator({ graph, databaseUrl: url }).upgrade(reference);
}
