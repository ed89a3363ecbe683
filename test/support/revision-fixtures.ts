import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REVISIONS_DIR } from './template-databases.js';

export interface FixtureRevision {
  id: string;
  parent: string;
  /** Bodies of up and down, TypeScript using `db` (Kysely<any>), `sql` and `context`. */
  up: string;
  down: string;
  transactional?: boolean;
}

/**
 * A revisions folder of a test's own: the project's revisions plus fixture revisions after them.
 * Removed by cleanup().
 */
export function revisionsDirWith(extra: readonly FixtureRevision[]): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plt-revisions-'));
  for (const name of readdirSync(REVISIONS_DIR)) cpSync(path.join(REVISIONS_DIR, name), path.join(dir, name));
  extra.forEach((revision, index) => writeFileSync(path.join(dir, fixtureFileName(revision, index)), fixtureSource(revision)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function fixtureFileName(revision: FixtureRevision, index = 0): string {
  return `20300101_${String(index).padStart(4, '0')}_${revision.id}.ts`;
}

export function fixtureSource(revision: FixtureRevision): string {
  return `import { sql, type Kysely } from 'kysely';

export const revision = '${revision.id}';
export const downRevision = '${revision.parent}';
export const message = 'Test fixture ${revision.id}';
export const createDate = '2030-01-01T00:00:00Z';
${revision.transactional === false ? 'export const transactional = false;\n' : ''}
export async function up(db: Kysely<any>, context: { log(message: string): void; offline: boolean }): Promise<void> {
  ${revision.up}
}

export async function down(db: Kysely<any>, context: { log(message: string): void; offline: boolean }): Promise<void> {
  ${revision.down}
}
`;
}
