import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { singleHead } from '../../src/runner/plan.js';
import { REVISIONS_DIR, loadProjectGraph } from './template-databases.js';

export interface FixtureRevision {
  id: string;
  /** null for a base revision, several ids for a merge revision. */
  parent: string | readonly string[] | null;
  /** More export lines, e.g. `export const dependsOn = '002_x';`. */
  exports?: string;
  /** Bodies of up and down, TypeScript using `db` (Kysely<any>), `sql` and `context`. */
  up: string;
  down: string;
  transactional?: boolean;
}

export interface FixtureProject {
  /** The revisions folder: the project's revisions plus the fixtures after them. */
  dir: string;
  /**
   * The CLI's environment for a database: its URL, the fixture revisions, and an embedded data
   * folder that is never created (so a test notices if the CLI ever starts the embedded server).
   */
  env(databaseUrl: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Where the embedded server would keep its data; it must never exist. */
  embeddedDataDir: string;
  cleanup(): void;
}

/** A revisions folder of a test's own, removed by cleanup(). */
export function revisionsDirWith(extra: readonly FixtureRevision[]): FixtureProject {
  const root = mkdtempSync(path.join(os.tmpdir(), 'plt-revisions-'));
  const dir = path.join(root, 'revisions');
  const embeddedDataDir = path.join(root, 'embedded-data-never-created');
  mkdirSync(dir);
  for (const name of readdirSync(REVISIONS_DIR)) cpSync(path.join(REVISIONS_DIR, name), path.join(dir, name));
  extra.forEach((revision, index) => writeFileSync(path.join(dir, fixtureFileName(revision, index)), fixtureSource(revision)));
  return {
    dir,
    embeddedDataDir,
    env: (databaseUrl, more = {}) => ({ DATABASE_URL: databaseUrl, PLAY_LATER_REVISIONS_DIR: dir, PLAY_LATER_DATA_DIR: embeddedDataDir, ...more }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A non-transactional revision: CREATE INDEX CONCURRENTLY on games, as correction revisions will do. */
export function concurrentIndexFixture(id: string, parent: string, before = ''): FixtureRevision {
  return {
    id,
    parent,
    transactional: false,
    up: `${before}await sql\`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_fixture_games_created ON games (created_at)\`.execute(db);`,
    down: `await sql\`DROP INDEX CONCURRENTLY IF EXISTS idx_fixture_games_created\`.execute(db);`,
  };
}

export function fixtureFileName(revision: FixtureRevision, index = 0): string {
  return `20300101_${String(index).padStart(4, '0')}_${revision.id}.ts`;
}

export function fixtureSource(revision: FixtureRevision): string {
  return `import { sql, type Kysely } from 'kysely';

export const revision = '${revision.id}';
export const downRevision = ${JSON.stringify(revision.parent)};
export const message = 'Test fixture ${revision.id}';
export const createDate = '2030-01-01T00:00:00Z';
${revision.transactional === false ? 'export const transactional = false;\n' : ''}${revision.exports ? `${revision.exports}\n` : ''}
export async function up(db: Kysely<any>, context: { log(message: string): void; offline: boolean }): Promise<void> {
  ${revision.up}
}

export async function down(db: Kysely<any>, context: { log(message: string): void; offline: boolean }): Promise<void> {
  ${revision.down}
}
`;
}

/** The project's revisions in order, and its head: fixture revisions go after it. */
export async function projectRevisions(): Promise<{ order: string[]; head: string }> {
  const graph = await loadProjectGraph();
  return { order: graph.order.map((revision) => revision.id), head: singleHead(graph) };
}
