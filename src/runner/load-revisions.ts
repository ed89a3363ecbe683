import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CACHE_DIR } from '../cache-dir.js';
import { PlayLaterError, messageOf } from '../errors.js';
import { PLACEHOLDER_MARKER, toRevision, type Revision, type RevisionModule } from './revision.js';

// Revision modules compiled on demand live in the package's cache, so they resolve `kysely` from its node_modules.
const COMPILED_DIR = path.join(CACHE_DIR, 'revisions');
/**
 * A revision must use the kysely the runner uses (one copy: the runner hands it a Kysely). The CLI
 * bundle holds its own kysely, one file instead of about 300 modules (scripts/build.mjs), and
 * exposes it as dist/cli-bundle/kysely.js: run from the bundle, revisions are compiled to import
 * that file. Run from dist/ or src/ (the library, the tests), they import kysely from node_modules.
 */
const BUNDLED_KYSELY = bundledKysely();
/**
 * Compiled copies for the bundle are named by where the bundle is: a project moved or copied
 * elsewhere (its cache with it) compiles its revisions again rather than import another folder's kysely.
 */
const COMPILED_SUFFIX = BUNDLED_KYSELY ? `.cli-${createHash('sha256').update(BUNDLED_KYSELY).digest('hex').slice(0, 12)}.mjs` : '.mjs';
/** What each revision file declares besides up and down, keyed by the sha256 of its text (see loadRevisions). */
const MANIFEST_FILE = path.join(CACHE_DIR, 'revision-manifest.json');
const MANIFEST_VERSION = 1;
const MANIFEST_MAX_ENTRIES = 500;
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

/** A revision module's exports without up and down: what planning needs. */
type RevisionDeclaration = Omit<RevisionModule, 'up' | 'down'>;

interface Manifest {
  version: number;
  declarations: Record<string, RevisionDeclaration>;
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
 * Loads every revision of a folder without importing any of them when it can: the manifest holds
 * each file's declarations (id, parents, flags…) keyed by the sha256 of its text, and every file is
 * read and hashed on each load (cheap; importing is not), so an edited file is never taken for the
 * one the manifest knows: its new checksum has no entry, and that file alone is imported again.
 * The checksums that guard applied revisions are therefore always those of the files as they are.
 * up and down import the module when a step first runs. A revision is TypeScript, compiled once by
 * esbuild into a cache keyed by its checksum, so the installed CLI runs plain JavaScript and a
 * revision written after `npm ci` needs no rebuild.
 */
export async function loadRevisions(revisionsDir: string): Promise<Revision[]> {
  const sources = readRevisionSources(revisionsDir);
  const manifest = readManifest();
  const unknown = sources.filter((source) => !(source.checksum in manifest.declarations));
  if (unknown.length > 0) {
    const imported = await Promise.all(unknown.map(async (source) => ({ source, exports: await importRevision(source) })));
    for (const { source, exports } of imported) {
      toRevision(exports, source.file, source.checksum); // unknown, missing or ill-typed exports fail here, before they are recorded
      const { up: _up, down: _down, ...declaration } = exports;
      manifest.declarations[source.checksum] = declaration as unknown as RevisionDeclaration;
    }
    writeManifest(manifest, sources);
  }
  return sources.map((source) => lazyRevision(source, manifest.declarations[source.checksum]!));
}

/** The revision as the manifest declares it; up and down import its module on first use. */
function lazyRevision(source: RevisionSource, declaration: RevisionDeclaration): Revision {
  let loaded: Promise<Revision> | undefined;
  const load = (): Promise<Revision> => (loaded ??= importRevision(source).then((exports) => toRevision(exports, source.file, source.checksum)));
  const revision = toRevision(
    {
      ...declaration,
      up: async (...args: Parameters<Revision['up']>) => (await load()).up(...args),
      down: async (...args: Parameters<Revision['down']>) => (await load()).down(...args),
    },
    source.file,
    source.checksum,
  );
  return { ...revision, placeholder: source.source.includes(PLACEHOLDER_MARKER) };
}

async function importRevision(source: RevisionSource): Promise<Record<string, unknown>> {
  const compiled = await compile(source);
  try {
    return { ...(await import(pathToFileURL(compiled).href)) } as Record<string, unknown>;
  } catch (error) {
    throw new PlayLaterError('E_REVISION_LOAD', `Revision file ${source.file} failed to load: ${messageOf(error)}`, {
      cause: error,
      hint: 'Fix the error in that file (a revision may import only packages, not other project files).',
      data: { file: source.file },
    });
  }
}

async function compile(source: RevisionSource): Promise<string> {
  const target = path.join(COMPILED_DIR, `${source.checksum}${COMPILED_SUFFIX}`);
  if (existsSync(target)) return target;
  const esbuild = await import('esbuild');
  let code: string;
  try {
    code = esbuild.transformSync(source.source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: source.file }).code;
    // esbuild prints every import with double quotes: `from "kysely"`, `import("kysely")`.
    if (BUNDLED_KYSELY) code = code.replace(/(\bfrom\s*|\bimport\s*\(\s*)"kysely"/g, `$1${JSON.stringify(BUNDLED_KYSELY)}`);
  } catch (error) {
    throw new PlayLaterError('E_REVISION_LOAD', `Revision file ${source.file} does not compile: ${messageOf(error)}`, {
      cause: error,
      hint: 'Fix the TypeScript syntax error in that file.',
      data: { file: source.file },
    });
  }
  mkdirSync(COMPILED_DIR, { recursive: true });
  writeAtomically(target, code);
  return target;
}

function bundledKysely(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.join(here, 'kysely.js');
  return path.basename(here) === 'cli-bundle' && existsSync(file) ? pathToFileURL(file).href : undefined;
}

/** An unreadable or foreign manifest is an empty one: every revision is then imported once. */
function readManifest(): Manifest {
  try {
    const parsed = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;
    if (parsed.version === MANIFEST_VERSION && typeof parsed.declarations === 'object' && parsed.declarations !== null) return parsed;
  } catch {
    // missing or corrupt: rebuilt below
  }
  return { version: MANIFEST_VERSION, declarations: {} };
}

/**
 * A cache: failing to write it (read-only install) costs the next run some imports, nothing else.
 * Bounded: the declarations of this folder's files go last, and only the newest entries are kept.
 */
function writeManifest(manifest: Manifest, current: readonly RevisionSource[]): void {
  for (const { checksum } of current) {
    const declaration = manifest.declarations[checksum]!;
    delete manifest.declarations[checksum];
    manifest.declarations[checksum] = declaration;
  }
  const entries = Object.entries(manifest.declarations);
  if (entries.length > MANIFEST_MAX_ENTRIES) manifest.declarations = Object.fromEntries(entries.slice(-MANIFEST_MAX_ENTRIES));
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeAtomically(MANIFEST_FILE, `${JSON.stringify(manifest)}\n`);
  } catch {
    // see above
  }
}

/** Write then rename, so a concurrent runner never reads a half-written file. */
function writeAtomically(target: string, text: string): void {
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, target);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
