import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './template-databases.js';

/** A committed fixture folder of revisions (test/fixtures/revisions-*). */
export function fixtureDir(name: string): string {
  return path.join(PROJECT_ROOT, 'test', 'fixtures', name);
}

/**
 * A temporary revisions folder with the given files. Broken revisions (syntax errors, cycles, …)
 * are written here at test time: committed, they would break the type-check of test/.
 */
export function writeRevisionFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plt-revisions-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
  return dir;
}

/** The source of a well-formed revision that creates (and drops) one table named after it. */
export function revisionSource(id: string, parents: string | string[] | null, extra = ''): string {
  const table = `t_${id}`;
  return `import { sql, type Kysely } from 'kysely';
export const revision = '${id}';
export const downRevision = ${JSON.stringify(parents)};
export const message = 'Revision ${id}';
export const createDate = '2025-06-01T10:00:00Z';
${extra}
export async function up(db: Kysely<any>): Promise<void> {
  await sql\`CREATE TABLE ${table} (id integer)\`.execute(db);
}
export async function down(db: Kysely<any>): Promise<void> {
  await sql\`DROP TABLE ${table}\`.execute(db);
}
`;
}

/** A file name that the loader accepts (the seed's file template). */
export function revisionFileName(id: string, minute = 0): string {
  return `20250601_10${String(minute).padStart(2, '0')}_${id}_${id.replace(/^\d+_/, '')}.ts`;
}
