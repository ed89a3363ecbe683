import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PlayLaterError, messageOf } from '../errors.js';
import { PLACEHOLDER_MARKER, toRevision, type Revision } from './revision.js';

/** The package root: revision modules compiled on demand resolve `kysely` from its node_modules. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPILED_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'play-later-db', 'revisions');
/**
 * Every TypeScript file of the folder is a revision, whatever its name (as Alembic loads every .py
 * of its versions folder): the file template is configurable, and a file that `revision -m` wrote
 * must never be skipped silently. Only dot files and declaration files are left out.
 */
const REVISION_FILE = /^[^.].*(?<!\.d)\.ts$/;

export interface RevisionSource {
  file: string;
  source: string;
  checksum: string;
}

/** The revision files of a folder (named by the file template), with their checksums. */
export function readRevisionSources(revisionsDir: string): RevisionSource[] {
  if (!existsSync(revisionsDir)) {
    throw new PlayLaterError('E_CONFIG', `The revisions folder ${revisionsDir} does not exist.`, {
      hint: 'Set revisionsDir (flag --revisions-dir, PLAY_LATER_REVISIONS_DIR or the config file) to the folder holding the revision files.',
    });
  }
  return readdirSync(revisionsDir)
    .filter((name) => REVISION_FILE.test(name))
    .sort()
    .map((name) => {
      const file = path.join(revisionsDir, name);
      const source = readFileSync(file, 'utf8');
      return { file, source, checksum: sha256(source) };
    });
}

/**
 * Loads every revision of a folder. A revision is TypeScript; it is compiled once by esbuild into a
 * cache keyed by its checksum, so the installed CLI runs plain JavaScript and a revision written
 * after `npm ci` needs no rebuild.
 */
export async function loadRevisions(revisionsDir: string): Promise<Revision[]> {
  const sources = readRevisionSources(revisionsDir);
  const compiled = await compileAll(sources);
  return Promise.all(
    sources.map(async (source, index) => {
      let exports: Record<string, unknown>;
      try {
        exports = { ...(await import(pathToFileURL(compiled[index]!).href)) } as Record<string, unknown>;
      } catch (error) {
        throw new PlayLaterError('E_REVISION_LOAD', `Revision file ${source.file} failed to load: ${messageOf(error)}`, {
          cause: error,
          hint: 'Fix the error in that file (a revision may import only packages, not other project files).',
          data: { file: source.file },
        });
      }
      return { ...toRevision(exports, source.file, source.checksum), placeholder: source.source.includes(PLACEHOLDER_MARKER) };
    }),
  );
}

async function compileAll(sources: RevisionSource[]): Promise<string[]> {
  const targets = sources.map((source) => path.join(COMPILED_DIR, `${source.checksum}.mjs`));
  const missing = sources.filter((_, index) => !existsSync(targets[index]!));
  if (missing.length === 0) return targets;
  const esbuild = await import('esbuild');
  mkdirSync(COMPILED_DIR, { recursive: true });
  for (const source of missing) {
    let code: string;
    try {
      code = esbuild.transformSync(source.source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: source.file }).code;
    } catch (error) {
      throw new PlayLaterError('E_REVISION_LOAD', `Revision file ${source.file} does not compile: ${messageOf(error)}`, {
        cause: error,
        hint: 'Fix the TypeScript syntax error in that file.',
        data: { file: source.file },
      });
    }
    const target = path.join(COMPILED_DIR, `${source.checksum}.mjs`);
    // Write then rename, so a concurrent runner never imports a half-written file.
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, target);
  }
  return targets;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
