import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixtureFileName, fixtureSource } from './revision-fixtures.js';
import { PROJECT_ROOT } from './template-databases.js';

/** A committed fixture folder of revisions (test/fixtures/revisions-*). */
export function fixtureDir(name: string): string {
  return path.join(PROJECT_ROOT, 'test', 'fixtures', name);
}

/**
 * Writes revision files into `dir` (a temporary folder) and returns it. Broken revisions (syntax
 * errors, cycles, …) are written at test time: committed, they would break the type-check of test/.
 */
export function writeRevisionFolder(dir: string, files: Record<string, string>): string {
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
  return dir;
}

/** The source of a well-formed revision that creates (and drops) the table t_<id>. */
export function revisionSource(id: string, parent: string | readonly string[] | null, exports?: string): string {
  return fixtureSource({ id, parent, exports, up: `await sql\`CREATE TABLE t_${id} (id integer)\`.execute(db);`, down: `await sql\`DROP TABLE t_${id}\`.execute(db);` });
}

/** A file name that the loader accepts; `index` orders files of the same folder. */
export function revisionFileName(id: string, index = 0): string {
  return fixtureFileName({ id, parent: null, up: '', down: '' }, index);
}
