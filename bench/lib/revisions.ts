import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Migrator, loadRevisionGraph, type Direction, type RevisionContext, type RevisionGraph } from '../../src/runner/migrator.js';
import { capturingKysely, OfflineUnsupported } from '../../src/runner/offline-kysely.js';
import { CREATE_VERSION_TABLE_SQL } from '../../src/runner/version-table.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const REVISIONS_DIR = path.join(PROJECT_ROOT, 'migrations');
export const BIN = path.join(PROJECT_ROOT, 'bin', 'play-later-db.js');
export const SEED_HEAD = '005_add_database_views';

/** The installed bin runs dist/: benchmarks that run it build it first when a source is newer. */
export function buildCli(): void {
  const build = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--if-stale'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

export function projectGraph(): Promise<RevisionGraph> {
  return loadRevisionGraph(REVISIONS_DIR);
}

/** Brings a database to a target ('heads' or a revision id) with the project's runner, in-process. */
export async function upgradeDatabase(url: string, target = 'heads'): Promise<string[]> {
  return (await new Migrator({ revisionsDir: REVISIONS_DIR, databaseUrl: url }).upgrade(target)).after;
}

export interface RecordedRevision {
  id: string;
  transactional: boolean;
  statements: string[];
  /** It read a query's rows (offline there are none) and stopped there: its script may lack the rest. */
  readRows: boolean;
}

/**
 * The SQL each revision sends, in order, captured by the runner's offline Kysely (a query "returns"
 * one row without columns): what psql and the other tools apply as "the same SQL". A revision that
 * read rows is flagged: its script may depend on data.
 */
export async function recordRevisionSql(direction: Direction, target: string): Promise<RecordedRevision[]> {
  const migrator = new Migrator({ revisionsDir: REVISIONS_DIR });
  const { steps } = await migrator.plan(direction, direction === 'up' ? `base:${target}` : `${target}:base`);
  const recorded: RecordedRevision[] = [];
  for (const step of steps) {
    const statements: string[] = [];
    const { db, readRows } = capturingKysely(statements, 'one');
    const context: RevisionContext = { log: () => undefined, offline: true };
    try {
      await step.revision[direction](db, context);
    } catch (error) {
      if (!(error instanceof OfflineUnsupported)) throw error;
    }
    recorded.push({ id: step.revision.id, transactional: step.revision.transactional, statements, readRows: readRows() });
  }
  return recorded;
}

/** One SQL script of recorded revisions, each transactional one wrapped in its own transaction. */
export function asScript(revisions: readonly RecordedRevision[]): string {
  // The version table exists for the revisions as for the runner (013 grants on it); no rows are written.
  return `${CREATE_VERSION_TABLE_SQL};\n\n${revisions
    .map((revision) => {
      const body = revision.statements.map((statement) => `${statement.trim().replace(/;\s*$/, '')};`).join('\n');
      return revision.transactional ? `BEGIN;\n${body}\nCOMMIT;\n` : `${body}\n`;
    })
    .join('\n')}`;
}
