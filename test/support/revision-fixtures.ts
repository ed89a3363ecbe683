import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REVISIONS_DIR } from './template-databases.js';

export interface ExtraRevision {
  /** e.g. 006_lint_case */
  id: string;
  /** The body of up(db). */
  up: string;
  transactional?: boolean;
}

/** Fills `folder` with a copy of the project's revisions (and lint exemptions), plus one revision after head. */
export function copyRevisionsWith(folder: string, extra: ExtraRevision | null): string {
  for (const name of readdirSync(REVISIONS_DIR)) copyFileSync(path.join(REVISIONS_DIR, name), path.join(folder, name));
  if (extra) {
    writeFileSync(
      path.join(folder, `20261128_1200_${extra.id}_${extra.id.replace(/^\d+_/, '')}.ts`),
      `import { sql, type Kysely } from 'kysely';
export const revision = '${extra.id}';
export const downRevision = '005_add_database_views';
export const message = '${extra.id}';
export const createDate = '2026-11-28T12:00:00Z';
${extra.transactional === false ? 'export const transactional = false;\n' : ''}export async function up(db: Kysely<any>): Promise<void> {
${extra.up}
}
export async function down(): Promise<void> {}
`,
    );
  }
  return folder;
}
