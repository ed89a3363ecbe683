/**
 * Item 6 of issue 3: the checksum of each applied revision file is in the history table; an edited
 * applied revision makes upgrade refuse (E_CHECKSUM_MISMATCH naming the file) until
 * `checksum accept`; a database migrated by the seed's Alembic (no history) is adopted.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/runner/load-revisions.js';
import { expectCliError } from '../support/expect-cli.js';
import { projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { PROJECT_ROOT, SEED_REVISION } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { useTempFolders } from '../support/temp-folders.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();
/** Non-transactional revisions run on their own direct connection, which names itself so. */

const fixtures = revisionsDirWith([
  {
    id: '901_fixture_table',
    parent: PROJECT.head,
    up: `await sql\`CREATE TABLE fixture_checked (id integer)\`.execute(db);`,
    down: `await sql\`DROP TABLE fixture_checked\`.execute(db);`,
  },
]);
const tempFolder = useTempFolders();
const fileOf = (id: string): string => path.join(fixtures.dir, readdirSync(fixtures.dir).find((name) => name.includes(id))!);
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase({ from: 'empty' });
  client = await database.connect();
});
afterAll(async () => {
  await database?.drop();
  fixtures.cleanup();
});

const cli = (...args: string[]) =>
  runCli(args, { env: fixtures.env(database.url) });

async function history(): Promise<{ revision: string; direction: string; checksum: string }[]> {
  return (await client.query(`SELECT revision, direction, checksum FROM play_later_revision_history ORDER BY id`)).rows;
}

describe('revision checksums', () => {
  it('records the checksum, time, duration and who for every revision applied', async () => {
    expect((await cli('upgrade', PROJECT.head)).code).toBe(0);
    const rows = await client.query(
      `SELECT revision, direction, status, checksum, file, applied_at IS NOT NULL AS applied, duration_ms >= 0 AS timed, applied_by = current_user AS by_user, application, host FROM play_later_revision_history ORDER BY id`,
    );
    expect(rows.rows.map((row) => row.revision)).toEqual(PROJECT.order);
    for (const row of rows.rows) {
      // The runner's own connection writes every row, a non-transactional revision's lease included.
      expect(row).toMatchObject({ direction: 'up', status: 'done', applied: true, timed: true, by_user: true, application: 'play-later-db' });
      expect(row.checksum).toBe(sha256(readFileSync(fileOf(row.revision), 'utf8')));
      expect(row.file).toBe(path.basename(fileOf(row.revision)));
      expect(row.host).toMatch(new RegExp(`^${os.hostname()} pid \\d+$`));
    }
  });

  it('renaming applied revision files changes nothing: ids come from the content and checksums are over it', async () => {
    const names = readdirSync(fixtures.dir).filter((name) => name.endsWith('.ts'));
    const renamed = (name: string): string => name.replace(/\.ts$/, '_renamed.ts');
    for (const name of names) renameSync(path.join(fixtures.dir, name), path.join(fixtures.dir, renamed(name)));
    try {
      const result = await cli('upgrade', PROJECT.head);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Nothing to do/);
    } finally {
      for (const name of names) renameSync(path.join(fixtures.dir, renamed(name)), path.join(fixtures.dir, name));
    }
  });

  it('adopts a database migrated by the seed\'s Alembic (alembic_version, no history): checksums recorded, nothing re-run', async () => {
    const adopted = await createTestDatabase({ from: 'empty' });
    try {
      const loader = await adopted.connect();
      // A plain pg_dump of a database the seed's Alembic migrated to 005 (see scripts/seed-alembic/).
      await loader.query(readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'seed-alembic', 'alembic-005-dump.sql'), 'utf8'));
      const result = await runCli(['upgrade', 'head'], { env: fixtures.env(adopted.url) });
      expect(result.code, result.stderr).toBe(0);
      const seed = PROJECT.order.slice(0, PROJECT.order.indexOf(SEED_REVISION) + 1);
      expect(result.stdout).toContain(`Recorded the checksums of ${seed.length} applied revisions that had no history yet (adopted): ${seed.join(', ')}.`);
      const rows = await loader.query(`SELECT revision, direction FROM public.play_later_revision_history ORDER BY id`);
      expect(rows.rows.map((row) => `${row.revision} ${row.direction}`)).toEqual([
        ...seed.map((id) => `${id} adopt`),
        ...PROJECT.order.slice(seed.length).map((id) => `${id} up`),
        '901_fixture_table up',
      ]);
    } finally {
      await adopted.drop();
    }
  });

  it('refuses to upgrade or downgrade after an applied revision was edited, naming the file', async () => {
    expect((await cli('upgrade', 'head')).code).toBe(0);
    appendFileSync(fileOf('901_fixture_table'), '\n// edited after it was applied\n');
    const relative = path.relative(process.cwd(), fileOf('901_fixture_table'));
    for (const args of [['upgrade', 'head'], ['downgrade', '-1'], ['--json', 'upgrade', 'head']]) {
      const result = await cli(...args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error E_CHECKSUM_MISMATCH: Applied revision file(s) changed since they were applied: ${relative}.`);
      expect(result.stderr).toContain('play-later-db checksum accept 901_fixture_table');
    }
    expect((await client.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: '901_fixture_table' }]);
    // The no-op above refused without importing the file; current reports it without refusing.
    const current = await cli('--json', 'current');
    expect(current.code, current.stderr).toBe(0);
    expect(JSON.parse(current.stdout)).toMatchObject({ atHead: true, edited: ['901_fixture_table'] });
  });

  it('current and verify report the edited applied revision (verify fails); deploy refuses before taking its backup', async () => {
    const current = await cli('--json', 'current');
    expect(current.code, current.stderr).toBe(0);
    expect(JSON.parse(current.stdout)).toMatchObject({ ok: true, checksumMismatches: ['901_fixture_table'] });
    expect(current.stderr).toContain('WARN: Applied revision file(s) changed since they were applied');
    const text = await cli('current');
    expect(text.stdout).toContain('Edited since applied (checksum mismatch): 901_fixture_table');

    const verify = await cli('verify');
    expectCliError(verify, 'E_VERIFY_FAILED', 1);
    expect(verify.stderr).toMatch(/FAIL revision checksums: Applied revision file\(s\) changed since they were applied: .*901_fixture_table/);
    expect(verify.stderr).toMatch(/^hint: .*play-later-db checksum accept 901_fixture_table/m);

    const backupDir = path.join(tempFolder('plt-checksum-deploy-'), 'backups');
    const deploy = await runCli(['deploy'], { env: { ...fixtures.env(database.url), PLAY_LATER_BACKUP_DIR: backupDir } });
    expectCliError(deploy, 'E_CHECKSUM_MISMATCH', 1);
    expect(deploy.stderr).toContain('Deploy stopped at "checksums"');
    expect(deploy.stderr).toContain('no backup was taken');
    expect(deploy.stderr).not.toContain('1/4 backup');
    expect(existsSync(backupDir)).toBe(false);
  });

  it('`checksum accept` records the new checksum; then upgrade runs again', async () => {
    const accepted = await cli('checksum', 'accept', '901');
    expect(accepted.code, accepted.stderr).toBe(0);
    const newChecksum = sha256(readFileSync(fileOf('901_fixture_table'), 'utf8'));
    expect(accepted.stdout).toContain(`Accepted the current checksum of 901_fixture_table`);
    expect((await history()).at(-1)).toEqual({ revision: '901_fixture_table', direction: 'accept', checksum: newChecksum });
    const result = await cli('upgrade', 'head');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Nothing to do/);
  });

  it('refuses to accept the checksum of a revision that is not applied', async () => {
    expect((await cli('downgrade', '-1')).code).toBe(0);
    const result = await cli('checksum', 'accept', '901_fixture_table');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error E_REVISION_RANGE: Not applied, so there is no checksum to accept: 901_fixture_table/);
    // Editing a revision that is not applied is fine: it runs as it is now.
    expect((await cli('upgrade', 'head')).code).toBe(0);
  });
});
