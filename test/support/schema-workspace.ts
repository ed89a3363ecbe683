import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, REVISIONS_DIR } from './template-databases.js';

export const DECLARED_DIR = path.join(PROJECT_ROOT, 'schema', 'declared');

export interface SchemaWorkspace {
  schemaDir: string;
  revisionsDir: string;
  /** Replaces `from` (which must be there: a test edit never silently does nothing) in a declared file. */
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
    edit(file, from, to) {
      const target = path.join(schemaDir, file);
      const text = readFileSync(target, 'utf8');
      if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
      writeFileSync(target, text.replace(from, to));
    },
    revisionFiles: () => readdirSync(revisionsDir).sort(),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
