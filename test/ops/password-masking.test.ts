/**
 * The CLI never prints a password: not in results, logs, --echo-sql, --debug, --json, errors of its
 * own, errors of the server, nor errors of pg_dump/pg_restore, whether the command succeeds or not.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { parseDatabaseUrl } from '../../src/db/database-url.js';
import { redactSecrets } from '../../src/ops/run-tool.js';
import { runCli, startCli, type CliResult } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';
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

/** The same connection as libpq key=value settings, the password quoted (its quote and backslash escaped). */
function keywordSettings(base: string, user: string, password: string, database: string): string {
  const { hosts } = parseDatabaseUrl(base);
  const quoted = password.replace(/[\\']/g, (char) => `\\${char}`);
  return `host=${hosts[0]!.host} port=${hosts[0]!.port} dbname=${database} user=${user} password='${quoted}'`;
}

/** The same connection with the password in the query (?password=…), as libpq also accepts. */
function queryPasswordUrl(base: string, user: string, password: string, database: string): string {
  const { hosts } = parseDatabaseUrl(base);
  return `postgresql://${user}@${hosts[0]!.host}:${hosts[0]!.port}/${database}?sslmode=disable&password=${encodeURIComponent(password)}`;
}

/** Every process's command line, as any user of the machine sees it with `ps`. */
function processList(): string {
  return execFileSync('ps', ['-eo', 'pid,args', '--no-headers'], { encoding: 'utf8' });
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

  it('key=value settings and ?password= work and print no password, in results, --echo-sql, --debug and --json', async () => {
    const server = embeddedServer();
    for (const connection of [keywordSettings(server.adminUrl, role, PASSWORD, database.name), queryPasswordUrl(server.adminUrl, role, PASSWORD, database.name)]) {
      for (const args of [['--json', 'current'], ['--echo-sql', '--debug', 'current', '--verbose']]) {
        const result = await runCli(args, { env: { DATABASE_URL: connection } });
        expect(result.code, result.stderr).toBe(0);
        expectNoPassword(result, args.join(' '));
        expect(`${result.stdout}${result.stderr}`, args.join(' ')).toContain(`${role}:***@`);
      }
    }
  });

  it('malformed key=value settings and URLs holding a password: E_URL_MALFORMED, exit 2, no password, also in --json', async () => {
    const server = embeddedServer();
    const settings = keywordSettings(server.adminUrl, role, PASSWORD, database.name);
    for (const connection of [
      `${settings} sslmode=sometimes`,
      `${settings} pasword=${PASSWORD}`,
      settings.replace(/'$/, ''), // unterminated quote
      settings.replace(/password='.*'$/, `password=${PASSWORD} extra`),
      goodUrl.replace(/@/, '%zz@'),
      goodUrl.replace(/:(\d+)\//, ':99999/'),
      goodUrl.replace(/:(\d+)\//, ':54x32/'),
    ]) {
      const result = await runCli(['--json', 'upgrade', 'head'], { env: { DATABASE_URL: connection } });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('error E_URL_MALFORMED: Malformed connection string');
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'E_URL_MALFORMED' } });
      expect(result.stderr).not.toContain('This is a bug');
      expectNoPassword(result, 'a malformed connection string');
    }
  }, 120_000);

  it('a --database-url on the command line is masked in the process title (ps) while the command runs', async () => {
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const silent = net.createServer(() => connected()); // accepts, never answers: the command waits
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const url = `postgresql://${role}:${ENCODED}@127.0.0.1:${port}/db?connect_timeout=5`;
    const cli = startCli(['--database-url', url, 'current']);
    try {
      await reached;
      const pid = cli.child.pid!;
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      expect(commandLine).toContain(`${role}:***@`);
      expect(commandLine).not.toContain(ENCODED.slice(0, 10));
      const listed = processList().split('\n').find((line) => line.trim().startsWith(`${pid} `)) ?? '';
      expect(listed).toContain('play-later-db');
      expect(listed).not.toContain(ENCODED.slice(0, 10));
      expectNoPassword(await cli.result, 'a command timing out');
    } finally {
      cli.child.kill();
      silent.close();
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

    it('pg_dump gets the connection (key=value settings here) without the password on its command line (ps), the password through PGPASSWORD', async () => {
      const superuser = await createRole(server, true);
      // pg_dump waits for its lock behind this one: the moment to look at it with ps.
      const blocker = await connect(database.directUrl);
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE games IN ACCESS EXCLUSIVE MODE');
        const cli = startCli(['backup'], {
          env: { DATABASE_URL: keywordSettings(server.adminUrl, superuser, PASSWORD, database.name), PLAY_LATER_BACKUP_DIR: tempFolder() },
        });
        const line = await waitFor('pg_dump to run', async () => processList().split('\n').find((entry) => /pg_dump .*--dbname=/.test(entry)), 30_000);
        expect(line).toContain(`--dbname=postgresql://${superuser}@`);
        expect(line).toContain(`/${database.name}`);
        expect(line).not.toContain(ENCODED.slice(0, 10));
        expect(line).not.toContain(PASSWORD.slice(0, 10));
        const pid = line.trim().split(/\s+/)[0]!;
        expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`PGPASSWORD=${PASSWORD}`);
        await blocker.query('ROLLBACK');
        const result = await cli.result;
        expect(result.code, result.stderr).toBe(0);
        expectNoPassword(result, 'backup');
      } finally {
        await disconnect(blocker);
        await dropRole(server, superuser);
      }
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
