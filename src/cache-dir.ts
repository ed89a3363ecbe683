import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder holding package.json above this module, wherever the build
 * put it (src/cache-dir.ts, dist/cache-dir.js, or a chunk of the CLI bundle in dist/cli-bundle/).
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let folder = from; ; folder = path.dirname(folder)) {
    if (existsSync(path.join(folder, 'package.json'))) return folder;
    if (path.dirname(folder) === folder) return path.resolve(from, '..');
  }
}

/**
 * The package's cache (compiled revisions, the revision manifest, the initialised scratch cluster):
 * what can be rebuilt, kept where build tools keep theirs. A read-only install just rebuilds it
 * each time.
 */
export const CACHE_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'play-later-db');
