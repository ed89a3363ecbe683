import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RoleNames } from '../security/roles.js';
import { describeSchema } from './describe-schema.js';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from './generate-database-types.js';
import { ERD_FILE, erdDocument, generateErd } from './generate-erd.js';
import { SCHEMA_FILE, renderSchemaFile } from './schema-file.js';
import { headDatabase, type HeadOptions } from './declared-and-head.js';
import type { ScratchDatabase, ScratchServer } from './scratch-databases.js';

export interface GeneratedFile {
  /** Relative to the project root. */
  file: string;
  text: string;
}

/** The project root: the folder holding the revisions folder (as for schema/schema.sql in verify). */
export function projectRoot(revisionsDir: string): string {
  return path.dirname(path.resolve(revisionsDir));
}

/** The files `generate` writes. */
export const GENERATED_FILES = [SCHEMA_FILE, DATABASE_TYPES_FILE, ERD_FILE] as const;

/**
 * What the committed generated files must hold for a database at head (a scratch one, without the
 * runner's bookkeeping tables): schema/schema.sql, the Kysely types (when kysely-codegen, a dev
 * dependency, is installed) and docs/erd.md. `roles` are the role names the head was built with:
 * the files name them by their default names, whatever a project configures.
 */
export async function renderGeneratedFiles(head: ScratchDatabase, heads: readonly string[], root: string, roles: Partial<RoleNames>): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [{ file: SCHEMA_FILE, text: renderSchemaFile([...heads].sort(), await describeSchema(head.client, { roles })) }];
  if (kyselyCodegenInstalled()) files.push({ file: DATABASE_TYPES_FILE, text: await generateDatabaseTypes(head.url) });
  files.push({ file: ERD_FILE, text: erdDocument(await generateErd(head.client)) });
  return files;
}

/** The files generated from a fresh database at the head of `options.graph`, built on `server`. */
export async function generatedFilesAtHead(server: ScratchServer, options: HeadOptions, root: string): Promise<GeneratedFile[]> {
  return renderGeneratedFiles(await headDatabase(server, options, 'generated'), options.graph.heads, root, options.settings);
}

/** Whether the project commits any generated file (a copy of its revisions alone has none). */
export function hasGeneratedFiles(root: string): boolean {
  return GENERATED_FILES.some((file) => existsSync(path.join(root, file)));
}

/**
 * The generated files whose committed text differs from `files`. A missing file counts, unless
 * `committedOnly` (check: a project that commits none of them has nothing to keep fresh).
 */
export function staleGeneratedFiles(root: string, files: readonly GeneratedFile[], committedOnly = false): string[] {
  return files
    .filter(({ file, text }) => {
      const committed = committedText(root, file);
      return committed === undefined ? !committedOnly : committed !== text;
    })
    .map(({ file }) => file);
}

/** Writes the files that changed (with `committedOnly`, only those the project has); returns their names. */
export function writeGeneratedFiles(root: string, files: readonly GeneratedFile[], committedOnly = false): string[] {
  const stale = staleGeneratedFiles(root, files, committedOnly);
  for (const { file, text } of files.filter((f) => stale.includes(f.file))) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return stale;
}

function committedText(root: string, file: string): string | undefined {
  const full = path.join(root, file);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
}

function kyselyCodegenInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('kysely-codegen');
    return true;
  } catch {
    return false;
  }
}
