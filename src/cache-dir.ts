import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: one folder up from src/cache-dir.ts and dist/cache-dir.js alike. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The package's cache (compiled revisions, the revision manifest, the initialised scratch cluster):
 * what can be rebuilt, kept where build tools keep theirs. A read-only install just rebuilds it
 * each time.
 */
export const CACHE_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'play-later-db');
