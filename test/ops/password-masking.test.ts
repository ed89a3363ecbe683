/**
 * The CLI never prints a password: not in results, logs, --echo-sql, --debug, --json, errors of its
 * own, errors of the server, nor errors of pg_dump/pg_restore, whether the command succeeds or not.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { redactSecrets } from '../../src/ops/run-tool.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { describeOnEachServer, embeddedServer, type TestServer } from '../support/servers.js';
import { useTempFolders } from '../support/temp-folders.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Characters that URL encoding changes, so both the raw and the encoded form are looked for.
const PASSWORD = `Pw-${randomBytes(6).toString('hex')}-!$&`;
const ENCODED = encodeURIComponent(PASSWORD);

function expectNoPassword(result: CliResult, what: string): void {
  const printed = `${result.stdout}\n${result.stderr}`;
  expect(printed.includes(PASSWORD), `${what} printed the password`).toBe(false);
  expect(printed.includes(ENCODED), `${what} printed the encoded password`).toBe(false);
  expect(printed.includes(ENCODED.slice(0, 10)), `${what} printed part of the password`).toBe(false);
}

function urlWith(base: string, user: string, password: string, database: string): string {
  const url = new URL(base);
  url.username = user;
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A login role with the test password, on the server behind `server`, dropped afterwards. */
async function createRole(server: TestServer, superuser: boolean): Promise<string> {
  const role = `plt_mask_${randomBytes(4).toString('hex')}`;
  const admin = await connect(server.adminUrl);
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN ${superuser ? 'SUPERUSER' : ''} PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
  } finally {
    await disconnect(admin);
  }
  return role;
}

async function dropRole(server: TestServer, role: string): Promise<void> {
  const admin = await connect(server.adminUrl);
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await disconnect(admin);
  }
}

const makeTempFolder = useTempFolders();
const tempFolder = (): string => makeTempFolder('plt-mask-');

describe('password masking [embedded PostgreSQL 18]', () => {
  let database: TestDatabase;
  let role: string;
  let goodUrl: string;
  let badUrl: string;

  beforeAll(async () => {
    const server = embeddedServer();
    database = await createTestDatabase({ from: 'head', server });
    role = await createRole(server, true);
    goodUrl = urlWith(server.adminUrl, role, PASSWORD, database.name);
    badUrl = urlWith(server.adminUrl, role, `${PASSWORD}-wrong`, database.name);
  });
  afterAll(async () => {
    await database?.drop();
    if (role) await dropRole(embeddedServer(), role);
  });

  it('succeeding commands with --echo-sql, --debug and --json print no password', async () => {
    for (const args of [
      ['--echo-sql', '--debug', 'current', '--verbose'],
      ['--json', 'current'],
      ['--echo-sql', 'upgrade', 'head'],
      ['--json', '--debug', 'verify', '--schema-file', path.join(tempFolder(), 'absent.sql')],
      ['--echo-sql', 'verify', '--schema-file', path.join(tempFolder(), 'absent.sql')],
    ]) {
      const result = await runCli(args, { env: { DATABASE_URL: goodUrl } });
      expectNoPassword(result, args.join(' '));
      // The commands that name the database show it masked.
      if (args.includes('current') || args.includes('verify')) expect(`${result.stdout}${result.stderr}`, args.join(' ')).toContain(`${role}:***@`);
    }
  });

  it('failing commands (wrong password, bad URL, usage errors, --json) print no password', async () => {
    const runs: Array<[string[], NodeJS.ProcessEnv]> = [
      [['current'], { DATABASE_URL: badUrl }],
      [['--json', 'upgrade', 'head'], { DATABASE_URL: badUrl }],
      [['deploy'], { DATABASE_URL: badUrl, PLAY_LATER_BACKUP_DIR: tempFolder() }],
      [['backup'], { DATABASE_URL: badUrl, PLAY_LATER_BACKUP_DIR: tempFolder() }],
      [['--json', 'verify'], { DATABASE_URL: badUrl }],
      [['current'], { DATABASE_URL: goodUrl.replace('postgresql://', 'mysql://') }],
      [['current'], { DATABASE_URL: goodUrl.replace(/\/[^/]*$/, '/no_such_database') }],
      [['--database-url', goodUrl, 'no-such-command', goodUrl], {}],
      [['--database-url', goodUrl, 'upgrade'], {}],
      // Debian's pg_dump 15 against this PostgreSQL 18: refused before running, naming versions.
      [['backup'], { DATABASE_URL: goodUrl, PLAY_LATER_BACKUP_DIR: tempFolder(), PLAY_LATER_PG_BIN_DIR: '/usr/lib/postgresql/15/bin' }],
    ];
    for (const [args, env] of runs) {
      const result = await runCli(args, { env });
      expect(result.code, `${args.join(' ')} should fail`).not.toBe(0);
      expectNoPassword(result, args.join(' '));
    }
  });
});

describeOnEachServer(
  'password masking of pg_dump and pg_restore errors',
  (server) => {
    let database: TestDatabase;
    let role: string;
    let url: string;

    beforeAll(async () => {
      database = await createTestDatabase({ from: 'head', server });
      role = await createRole(server, false);
      url = urlWith(server.adminUrl, role, PASSWORD, database.name);
    });
    afterAll(async () => {
      await database?.drop();
      if (role) await dropRole(server, role);
    });

    it('shows pg_dump failing (no right to read the tables) without the password', async () => {
      const result = await runCli(['backup'], { env: { DATABASE_URL: url, PLAY_LATER_BACKUP_DIR: tempFolder() } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error E_BACKUP: pg_dump');
      expect(result.stderr).toContain('permission denied');
      expectNoPassword(result, 'backup');
    });

    it('shows pg_restore failing on a damaged archive without the password', async () => {
      const folder = tempFolder();
      const archive = path.join(folder, `${database.name}_20260101T000000000Z.dump`);
      writeFileSync(archive, 'PGDMP but not really');
      const result = await runCli(['restore', archive, '--yes'], { env: { DATABASE_URL: url } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error E_RESTORE: pg_restore');
      expectNoPassword(result, 'restore');
    });
  },
  { kinds: ['pg15'] },
);

describe('redactSecrets', () => {
  it('masks URL passwords and a bare password wherever it appears', () => {
    const text = `connect postgresql://app:${ENCODED}@db:5432/x failed; password was ${PASSWORD}`;
    expect(redactSecrets(text, [PASSWORD])).toBe('connect postgresql://app:***@db:5432/x failed; password was ***');
    expect(redactSecrets('"mysql://u:p@ss@h:1/x" and "postgres://v:w@h/y"')).toBe('"mysql://u:***@h:1/x" and "postgres://v:***@h/y"');
  });
});
