/** history, heads, current; --json on stdout with logs on stderr; --echo-sql with secrets masked. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { parseDatabaseUrl } from '../../src/db/database-url.js';
import { expectCliError, jsonResult } from '../support/expect-cli.js';
import { fixtureSource } from '../support/revision-fixtures.js';
import { fixtureDir, revisionFileName, writeRevisionFolder } from '../support/revision-folders.js';
import { runCli } from '../support/run-cli.js';
import { useTempFolders } from '../support/temp-folders.js';
import { embeddedServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const BRANCH_MERGE = fixtureDir('revisions-branch-merge');
const LINEAR = fixtureDir('revisions-linear');

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ from: 'empty' });
});
afterAll(async () => database?.drop());

describe('history', () => {
  it('lists newest first with parents, heads and merge points', async () => {
    const result = await runCli(['--revisions-dir', BRANCH_MERGE, 'history']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      '004_merge -> 006_feature_b (head), Feature B',
      '004_merge -> 005_feature_a (head), Feature A',
      '002_left, 003_right -> 004_merge (mergepoint), Merge left and right',
      '001_base -> 003_right, Right branch',
      '001_base -> 002_left, Left branch',
      '<base> -> 001_base, Base',
    ]);
  });

  it('--verbose shows every field, -r a:b limits to a range (prefixes allowed)', async () => {
    const result = await runCli(['--revisions-dir', BRANCH_MERGE, 'history', '--verbose', '-r', '002:004_merge']);
    expect(result.code).toBe(0);
    const blocks = result.stdout.trim().split(/\n\n(?=Rev: )/);
    expect(blocks.map((block) => block.split('\n')[0])).toEqual(['Rev: 004_merge (mergepoint)', 'Rev: 002_left']);
    expect(blocks[0]).toContain('Parent: 002_left, 003_right');
    expect(blocks[0]).toContain('Create Date: 2025-02-01T13:00:00.000Z');
    expect(blocks[0]).toMatch(/Path: .*20250201_1300_004_merge_merge\.ts/);
    expect(blocks[0]).toContain('    Merge left and right');
  });

  it('--json gives the same revisions for scripts', async () => {
    const result = jsonResult<{ revisions: Array<{ revision: string; downRevision: string[]; head: boolean }> }>(
      await runCli(['--json', '--revisions-dir', LINEAR, 'history', '-r', '002:']),
    );
    expect(result.revisions).toEqual([
      expect.objectContaining({ revision: '003_third', downRevision: ['002_second'], head: true }),
      expect.objectContaining({ revision: '002_second', downRevision: ['001_first'], head: false }),
    ]);
  });

  it('a bad range, an unknown id in it, or :head with two heads is a usage error', async () => {
    expectCliError(await runCli(['--revisions-dir', LINEAR, 'history', '-r', '001']), 'E_USAGE', 2);
    expectCliError(await runCli(['--revisions-dir', LINEAR, 'history', '-r', '001:nope']), 'E_REVISION_UNKNOWN', 2);
    expectCliError(await runCli(['--revisions-dir', BRANCH_MERGE, 'history', '-r', ':head']), 'E_MULTIPLE_HEADS', 2);
  });
});

describe('heads', () => {
  it('shows each head, in full with --verbose, as a list with --json', async () => {
    const plain = await runCli(['--revisions-dir', BRANCH_MERGE, 'heads']);
    expect(plain.stdout.trim().split('\n')).toEqual(['004_merge -> 005_feature_a (head), Feature A', '004_merge -> 006_feature_b (head), Feature B']);
    const verbose = await runCli(['--revisions-dir', BRANCH_MERGE, 'heads', '--verbose']);
    expect(verbose.stdout).toContain('Rev: 005_feature_a (head)\nParent: 004_merge');
    expect(jsonResult(await runCli(['--json', '--revisions-dir', BRANCH_MERGE, 'heads']))).toEqual({ ok: true, heads: ['005_feature_a', '006_feature_b'] });
  });
});

describe('current, --json and logs', () => {
  it('--json keeps stdout one parseable document while progress goes to stderr', async () => {
    const result = await runCli(['--json', '-d', database.url, '--revisions-dir', LINEAR, 'upgrade', '+2']);
    const parsed = jsonResult<{ ok: boolean; after: string[]; steps: Array<{ revision: string; durationMs: number }> }>(result);
    expect(parsed).toMatchObject({ ok: true, command: 'upgrade', before: [], after: ['002_second'] });
    expect(parsed.steps.map((s) => s.revision)).toEqual(['001_first', '002_second']);
    expect(result.stderr).toMatch(/^Running upgrade 001_first, First \((\d+ ms|\d+\.\d s)\)$/m);
    expect(result.stderr).toMatch(/^Running upgrade 002_second, Second \((\d+ ms|\d+\.\d s)\)$/m);
  });

  it('current --verbose names the database (password masked), the revision in full and what is pending', async () => {
    const password = parseDatabaseUrl(database.url).password!;
    const result = await runCli(['-d', database.url, '--revisions-dir', LINEAR, 'current', '--verbose']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^postgresql://postgres:\\*\\*\\*@localhost:\\d+/${database.name}$`));
    expect(result.stdout).toContain('Current revision: 002_second\n');
    expect(result.stdout).toContain('Pending: 003_third');
    expect(result.stdout).toContain('Rev: 002_second\nParent: 001_first\nCreate Date: 2025-01-01T11:00:00.000Z');
    expect(result.stdout + result.stderr).not.toContain(password);
    const json = jsonResult(await runCli(['--json', '-d', database.url, '--revisions-dir', LINEAR, 'current']));
    expect(json).toMatchObject({ ok: true, heads: ['002_second'], atHead: false, pending: ['003_third'] });
  });
});

describe('--echo-sql', () => {
  const role = `plt_echo_${randomBytes(4).toString('hex')}`;
  const rolePassword = `pw-${randomBytes(8).toString('hex')}`;
  const tempFolder = useTempFolders();
  let folder: string;
  beforeAll(() => {
    folder = writeRevisionFolder(tempFolder('plt-revisions-'), {
      [revisionFileName('001_role')]: fixtureSource({
        id: '001_role',
        parent: null,
        up: `await sql.raw("CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'").execute(db);`,
        down: `await sql.raw('DROP ROLE ${role}').execute(db);`,
      }),
    });
  });
  afterAll(async () => {
    const admin = await connect(embeddedServer().adminUrl);
    try {
      await admin.query(`DROP ROLE IF EXISTS ${role}`); // roles are server-wide: never leave one behind
    } finally {
      await disconnect(admin);
    }
  });

  it('prints every statement on stderr with passwords masked, stdout stays JSON', async () => {
    const echoDatabase = await createTestDatabase({ from: 'empty' });
    try {
      const urlPassword = parseDatabaseUrl(echoDatabase.url).password!;
      const result = await runCli(['--json', '--echo-sql', '--debug', '-d', echoDatabase.url, '--revisions-dir', folder, 'upgrade', 'head']);
      expect(jsonResult(result)).toMatchObject({ after: ['001_role'] });
      expect(result.stderr).toContain(`SQL: CREATE ROLE ${role} LOGIN PASSWORD '***'`);
      expect(result.stderr).toContain('SQL: CREATE TABLE IF NOT EXISTS alembic_version');
      // A step's bookkeeping goes in one round trip with COMMIT: one SQL: line, a statement per line.
      expect(result.stderr).toMatch(/^(SQL: )?INSERT INTO alembic_version \(version_num\) VALUES \('001_role'\);$/m);
      expect(result.stderr).toContain('postgresql://postgres:***@');
      expect(result.stderr).not.toContain(rolePassword);
      expect(result.stderr).not.toContain(urlPassword);
      expect(result.stdout).not.toContain('SQL:');
      jsonResult(await runCli(['--json', '-d', echoDatabase.url, '--revisions-dir', folder, 'downgrade', 'base']));
    } finally {
      await echoDatabase.drop();
    }
  });
});
