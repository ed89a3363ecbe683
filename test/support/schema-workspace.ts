import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, REVISIONS_DIR } from './template-databases.js';

export const DECLARED_DIR = path.join(PROJECT_ROOT, 'schema', 'declared');

/** Replaces `from` (which must be there: a test edit never silently does nothing) in a file. */
function editFile(target: string, from: string, to: string): void {
  const text = readFileSync(target, 'utf8');
  if (!text.includes(from)) throw new Error(`${target} does not contain ${JSON.stringify(from)}`);
  writeFileSync(target, text.replace(from, to));
}

export interface SchemaWorkspace {
  schemaDir: string;
  revisionsDir: string;
  /** Replaces `from` (which must be there) in a declared file. */
  edit(file: string, from: string, to: string): void;
  revisionFiles(): string[];
  remove(): void;
}

/** A throw-away copy of the declared schema and the revisions, for tests that change them. */
export function createSchemaWorkspace(): SchemaWorkspace {
  const root = mkdtempSync(path.join(os.tmpdir(), 'play-later-schema-'));
  const schemaDir = path.join(root, 'declared');
  const revisionsDir = path.join(root, 'migrations');
  cpSync(DECLARED_DIR, schemaDir, { recursive: true });
  cpSync(REVISIONS_DIR, revisionsDir, { recursive: true });
  return {
    schemaDir,
    revisionsDir,
    edit: (file, from, to) => editFile(path.join(schemaDir, file), from, to),
    revisionFiles: () => readdirSync(revisionsDir).sort(),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** What a clone of the repository has: no dependencies, build output, local databases or results. */
const NOT_IN_A_CLONE = new Set(['.git', 'node_modules', 'dist', '.play-later', '.play-later-bench', 'test-results', 'coverage', 'scratch']);

export interface ProjectCopy {
  root: string;
  /** Replaces `from` (which must be there) in a file of the copy, named relative to its root. */
  edit(file: string, from: string, to: string): void;
  write(file: string, text: string): void;
  read(file: string): string;
  remove(): void;
}

/** A throw-away copy of the whole project, as a clone has it, for tests that walk an author's path. */
export function createProjectCopy(): ProjectCopy {
  const root = mkdtempSync(path.join(os.tmpdir(), 'play-later-project-'));
  chmodSync(root, 0o755); // as a clone is: the embedded server's system user must reach .play-later/ inside it
  cpSync(PROJECT_ROOT, root, { recursive: true, filter: (source) => !NOT_IN_A_CLONE.has(path.relative(PROJECT_ROOT, source).split(path.sep)[0]!) });
  return {
    root,
    edit: (file, from, to) => editFile(path.join(root, file), from, to),
    write: (file, text) => writeFileSync(path.join(root, file), text),
    read: (file) => readFileSync(path.join(root, file), 'utf8'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
