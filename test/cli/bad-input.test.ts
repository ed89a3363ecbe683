/**
 * Every bad input through the CLI's entry function (as the bin runs it): its error code, its exit
 * status (2 usage, 1 failure) and no stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, withDatabase as urlWith } from '../../src/db/database-url.js';
import { expectCliError } from '../support/expect-cli.js';
import { fixtureDir, revisionFileName, revisionSource, writeRevisionFolder } from '../support/revision-folders.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { PROJECT_ROOT } from '../support/template-databases.js';
import { useTempFolders } from '../support/temp-folders.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const LINEAR = fixtureDir('revisions-linear');
const tempFolder = useTempFolders();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ from: 'empty' });
});
afterAll(async () => database?.drop());

// Started with the file and checked by its last test: the other tests run while it waits out the
// default connect timeout (10 s), which would otherwise hold up the whole file.
let silentRun: Promise<{ result: CliResult; port: number }>;
const silent = net.createServer(() => undefined); // accepts, never says a word
beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  silentRun = runCli(['current'], { env: { DATABASE_URL: `postgresql://u:p@127.0.0.1:${port}/db` } }).then((result) => ({ result, port }));
});
afterAll(() => silent.close());

function folder(files: Record<string, string>): string {
  return writeRevisionFolder(tempFolder('plt-revisions-'), files);
}

/** `args` against the test database, with the linear fixture unless another folder is given. */
function cli(args: string[], revisionsDir = LINEAR): ReturnType<typeof runCli> {
  return runCli(['--revisions-dir', revisionsDir, ...args], { env: { DATABASE_URL: database.url } });
}

describe('database URL and connection', () => {
  it.each([
    ['not a URL', 'localhost:5432/play', 'neither a postgresql:// URL nor key=value'],
    ['another scheme', 'mysql://user:secret@localhost/play', 'the scheme "mysql"'],
    ['no database', 'postgresql://user:secret@localhost:5432/', 'names no database'],
    ['a bad port', 'postgresql://user:secret@localhost:99999/play', 'the port of host "localhost" is not a number from 1 to 65535'],
    ['a port that is not a number', 'postgresql://user:secret@localhost:54x32/play', 'the port of host "localhost" is not a number'],
    ['a password with bad percent-encoding', 'postgresql://user:p%zz-secret@localhost:5432/play', 'the password has an invalid percent-encoding'],
    ['key=value settings with an unterminated quote', "host=localhost dbname=play password='secret", 'has no closing quote'],
  ])('malformed DATABASE_URL (%s): E_URL_MALFORMED with the reason, exit 2, password never shown', async (_, url, reason) => {
    const result = await runCli(['current'], { env: { DATABASE_URL: url } });
    expectCliError(result, 'E_URL_MALFORMED', 2);
    expect(result.stderr).toContain(reason);
    expect(result.stderr).not.toContain('secret');
  });

  it('a closed port: E_CONNECT_UNREACHABLE, exit 1', async () => {
    const port = await closedPort();
    expectCliError(await runCli(['current'], { env: { DATABASE_URL: `postgresql://u:p@127.0.0.1:${port}/db` } }), 'E_CONNECT_UNREACHABLE', 1);
  });

  it('a host name that does not resolve: E_CONNECT_UNREACHABLE, exit 1', async () => {
    const result = await runCli(['current'], { env: { DATABASE_URL: 'postgresql://u:p@no-such-host.invalid:5432/db' } });
    expectCliError(result, 'E_CONNECT_UNREACHABLE', 1);
  });

  it('a reader that goes away (current | true): the output is dropped, no stack trace, exit 0', async () => {
    // A shell pipe, as users write it: its reader has exited before the CLI writes (EPIPE).
    const child = spawn('bash', ['-c', `"${process.execPath}" bin/play-later-db.js current | true; exit \${PIPESTATUS[0]}`], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: database.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|^\s+at .+:\d+:\d+\)?$/m);
    expect(code, stderr).toBe(0);
  });

  it('sslmode=require against a server without SSL: says so, and the hint is about SSL, not about starting the server', async () => {
    const url = new URL(database.url);
    url.searchParams.set('sslmode', 'require');
    const result = await runCli(['current'], { env: { DATABASE_URL: url.toString() } });
    expectCliError(result, 'E_CONNECT_UNREACHABLE', 1);
    expect(result.stderr).toContain('the server does not accept SSL connections, and sslmode requires SSL');
    expect(result.stderr).toMatch(/^hint: Turn on SSL on the server \(ssl = on\), or, where the network is trusted, write sslmode=prefer/m);
  });

  it('a wrong password: E_AUTH_FAILED, exit 1, the password never shown', async () => {
    const url = new URL(database.url);
    url.password = 'wrong-password-123';
    const result = await runCli(['current'], { env: { DATABASE_URL: url.toString() } });
    expectCliError(result, 'E_AUTH_FAILED', 1);
    expect(result.stderr).not.toContain('wrong-password-123');
  });

  it('a database that does not exist: E_DATABASE_MISSING, exit 1', async () => {
    const result = await runCli(['current'], { env: { DATABASE_URL: urlWith(database.url, 'plt_no_such_database') } });
    expectCliError(result, 'E_DATABASE_MISSING', 1);
    expect(result.stderr).toContain('"plt_no_such_database"');
  });
});

describe('revision references', () => {
  it('an unknown id: E_REVISION_UNKNOWN, exit 2', async () => {
    expectCliError(await cli(['upgrade', '042_nothing']), 'E_REVISION_UNKNOWN', 2);
  });

  it('an ambiguous prefix: E_REVISION_AMBIGUOUS naming the candidates, exit 2', async () => {
    const result = await cli(['--json', 'upgrade', '00']);
    expectCliError(result, 'E_REVISION_AMBIGUOUS', 2);
    expect(JSON.parse(result.stdout).error.candidates).toEqual(['001_first', '002_second', '003_third']);
  });

  it('downgrade -1 at base: E_DOWNGRADE_AT_BASE, exit 2', async () => {
    expectCliError(await cli(['downgrade', '-1']), 'E_DOWNGRADE_AT_BASE', 2);
  });

  it('+N beyond head: E_REVISION_RANGE, exit 2', async () => {
    expectCliError(await cli(['upgrade', '+4']), 'E_REVISION_RANGE', 2);
  });

  it('a database at a revision that no file defines: E_VERSION_UNKNOWN, exit 1, nothing run', async () => {
    const stranger = await createTestDatabase({ from: 'empty' });
    try {
      const client = await stranger.connect();
      await client.query(`CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('007_from_another_branch')`);
      for (const command of [['upgrade', 'head'], ['current']]) {
        const result = await runCli(['--revisions-dir', LINEAR, ...command], { env: { DATABASE_URL: stranger.url } });
        expectCliError(result, 'E_VERSION_UNKNOWN', 1);
        expect(result.stderr).toContain('"007_from_another_branch"');
        // Which database: the URL, its password masked.
        expect(result.stderr).toContain(`error E_VERSION_UNKNOWN: The database postgresql://`);
        expect(result.stderr).toContain(`/${stranger.name} is at revision "007_from_another_branch"`);
      }
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      expect(tables.rows).toEqual([{ tablename: 'alembic_version' }]);
    } finally {
      await stranger.drop();
    }
  });

  it('command-line usage errors (unknown command, missing argument, unknown option, no command): E_USAGE with a hint naming the --help that answers it, exit 2', async () => {
    for (const [args, message, help] of [
      [['upgrayedd', 'head'], "Unknown command 'upgrayedd' (Did you mean upgrade?)", 'play-later-db --help'],
      [['upgrade'], "Missing required argument 'target'.", 'play-later-db upgrade --help'],
      [['history', '--frobnicate'], "Unknown option '--frobnicate'.", 'play-later-db history --help'],
      [[], 'No command given (the commands are listed above)', 'play-later-db --help'],
      [['help', 'bogus'], "Unknown command 'bogus' (the commands are listed above)", 'play-later-db --help'],
    ] as const) {
      const result = await runCli([...args]);
      expectCliError(result, 'E_USAGE', 2);
      expect(result.stderr).toContain(`error E_USAGE: ${message}`);
      expect(result.stderr).toContain(`hint: Run \`${help}\``);
    }
    // A bad --limit is said before any database is opened: no embedded server is started for it.
    const dataDir = path.join(tempFolder('plt-no-server-'), 'data');
    const badLimit = await runCli(['search', 'dark', '--limit', 'abc'], { env: { PLAY_LATER_DATA_DIR: dataDir, DATABASE_URL: undefined } });
    expectCliError(badLimit, 'E_USAGE', 2);
    expect(badLimit.stderr).toContain('--limit must be a whole number from 1 to 500, not "abc".');
    expect(existsSync(dataDir)).toBe(false);
    const json = await runCli(['--json', 'upgrade']);
    expectCliError(json, 'E_USAGE', 2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: 'E_USAGE', message: "Missing required argument 'target'.", hint: 'Run `play-later-db upgrade --help` for its arguments and options.' },
    });
  });
});

describe('revision graphs and files', () => {
  it('a revisions folder that does not exist: E_CONFIG, exit 2; an empty one has no head: E_REVISION_UNKNOWN, exit 2', async () => {
    expectCliError(await cli(['history'], '/nonexistent/plt-revisions'), 'E_CONFIG', 2);
    const result = await cli(['upgrade', 'head'], folder({}));
    expectCliError(result, 'E_REVISION_UNKNOWN', 2);
    expect(result.stderr).toContain('There are no revisions.');
  });

  it('two files with the same id: E_GRAPH_DUPLICATE naming both files, exit 1', async () => {
    const dir = folder({
      [revisionFileName('001_first', 0)]: revisionSource('001_first', null),
      [revisionFileName('001_first_copy', 1)]: revisionSource('001_first', null).replace('t_001_first', 't_copy'),
    });
    const result = await cli(['upgrade', 'head'], dir);
    expectCliError(result, 'E_GRAPH_DUPLICATE', 1);
    expect(result.stderr).toContain(revisionFileName('001_first', 0));
    expect(result.stderr).toContain(revisionFileName('001_first_copy', 1));
  });

  it('a cycle: E_GRAPH_CYCLE showing it, exit 1', async () => {
    const dir = folder({
      [revisionFileName('001_a', 0)]: revisionSource('001_a', '003_c'),
      [revisionFileName('002_b', 1)]: revisionSource('002_b', '001_a'),
      [revisionFileName('003_c', 2)]: revisionSource('003_c', '002_b'),
    });
    const result = await cli(['upgrade', 'heads'], dir);
    expectCliError(result, 'E_GRAPH_CYCLE', 1);
    expect(result.stderr).toMatch(/001_a -> 003_c -> 002_b -> 001_a/);
  });

  it('a missing parent or dependency: E_GRAPH_MISSING_PARENT, exit 1', async () => {
    const parent = folder({ [revisionFileName('002_orphan')]: revisionSource('002_orphan', '001_gone') });
    const result = await cli(['upgrade', 'head'], parent);
    expectCliError(result, 'E_GRAPH_MISSING_PARENT', 1);
    expect(result.stderr).toContain('"001_gone"');
    const dependency = folder({ [revisionFileName('001_needs')]: revisionSource('001_needs', null, "export const dependsOn = '000_gone';") });
    expectCliError(await cli(['history'], dependency), 'E_GRAPH_MISSING_PARENT', 1);
  });

  it('a syntax error: E_REVISION_LOAD naming the file and the line, exit 1', async () => {
    const name = revisionFileName('001_broken');
    const dir = folder({ [name]: revisionSource('001_broken', null).replace('export async function up', 'export async functio up') });
    const result = await cli(['upgrade', 'head'], dir);
    expectCliError(result, 'E_REVISION_LOAD', 1);
    expect(result.stderr).toContain(name);
    expect(result.stderr).toMatch(/does not compile: .*\n.*\.ts:\d+:\d+: ERROR: Expected "function" but found "functio"/);
  });

  it('a file that throws on import: E_REVISION_LOAD with its message, exit 1', async () => {
    const dir = folder({ [revisionFileName('001_throws')]: `throw new Error('boom while importing');\n${revisionSource('001_throws', null)}` });
    const result = await cli(['upgrade', 'head'], dir);
    expectCliError(result, 'E_REVISION_LOAD', 1);
    expect(result.stderr).toContain('boom while importing');
  });

  it('an unknown export, a missing export, an id longer than 32: E_REVISION_INVALID, exit 1', async () => {
    const cases: Array<[string, string, string]> = [
      ['001_extra', revisionSource('001_extra', null, 'export const downRevisions = null;'), 'unknown export "downRevisions"'],
      ['001_nomessage', revisionSource('001_nomessage', null).replace(/export const message = .*\n/, ''), 'missing export "message"'],
      ['001_' + 'x'.repeat(29), revisionSource('001_' + 'x'.repeat(29), null).replace(/CREATE TABLE \w+/, 'CREATE TABLE t').replace(/DROP TABLE \w+/, 'DROP TABLE t'), 'longer than 32'],
    ];
    for (const [id, source, message] of cases) {
      const result = await cli(['history'], folder({ [revisionFileName(id)]: source }));
      expectCliError(result, 'E_REVISION_INVALID', 1);
      expect(result.stderr).toContain(message);
    }
  });
});

describe('flags and relative targets', () => {
  it('a bad --lock-wait names the flag the user typed: E_CONFIG, exit 2', async () => {
    const result = await cli(['--lock-wait', 'abc', 'current']);
    expectCliError(result, 'E_CONFIG', 2);
    expect(result.stderr).toContain('error E_CONFIG: --lock-wait must be a whole number >= 0 (milliseconds), got "abc".');
    expect(result.stderr).not.toContain('lockWaitMs');
  });

  it('upgrade -1 points at downgrade -1, and downgrade +1 at upgrade +1: E_REVISION_RANGE, exit 2', async () => {
    const up = await cli(['upgrade', '-1']);
    expectCliError(up, 'E_REVISION_RANGE', 2);
    expect(up.stderr).toMatch(/^hint: Use `play-later-db downgrade -1`/m);
    expect(up.stderr).not.toContain('does not exist');
    const down = await cli(['downgrade', '+1']);
    expectCliError(down, 'E_REVISION_RANGE', 2);
    expect(down.stderr).toMatch(/^hint: Use `play-later-db upgrade \+1`/m);
  });
});

describe('import-games inputs', () => {
  let head: TestDatabase;
  beforeAll(async () => {
    head = await createTestDatabase({ from: 'head' });
  });
  afterAll(async () => head?.drop());
  const importCli = (args: string[]) => runCli(['import-games', ...args], { env: { DATABASE_URL: head.url } });
  const csvFile = (name: string, content: string | Buffer): string => {
    const file = path.join(tempFolder('plt-csv-'), name);
    writeFileSync(file, content);
    return file;
  };
  const titles = async (ids: number[]): Promise<string[]> => {
    const client = await head.connect();
    try {
      return (await client.query<{ title: string }>('SELECT title FROM games WHERE igdb_id = ANY($1) ORDER BY igdb_id', [ids])).rows.map((r) => r.title);
    } finally {
      await client.end();
    }
  };

  it('a folder instead of a file: E_USAGE, exit 2, not a bug', async () => {
    const result = await importCli([tempFolder('plt-csv-folder-')]);
    expectCliError(result, 'E_USAGE', 2);
    expect(result.stderr).toContain('is a folder, not a CSV file');
  });

  it('an empty CSV (no header): E_VALIDATION, exit 2, instead of "Imported 0 rows"', async () => {
    for (const content of ['', '\n\n']) {
      const result = await importCli([csvFile('empty.csv', content)]);
      expectCliError(result, 'E_VALIDATION', 2);
      expect(result.stderr).toContain('The CSV is empty: it has no header line');
      expect(result.stdout).not.toContain('Imported');
    }
  });

  it('bytes that are not UTF-8 are refused with their line (nothing imported); --encoding reads them', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('igdb_id,title\n7101,Celeste\n7102,Pok'),
      Buffer.from([0xe9]), // é in windows-1252, an invalid byte in UTF-8
      Buffer.from('mon Red\n7103,Hades\n'),
    ]);
    const file = csvFile('latin1.csv', latin1);
    const refused = await importCli([file]);
    expectCliError(refused, 'E_VALIDATION', 2);
    expect(refused.stderr).toContain('error E_VALIDATION: line 3: bytes that are not valid utf-8 text; nothing was imported.');
    expect(refused.stderr).toMatch(/^hint: .*--encoding windows-1252/m);
    expect(await titles([7101, 7102, 7103])).toEqual([]);

    const read = await importCli(['--encoding', 'windows-1252', file]);
    expect(read.code, read.stderr).toBe(0);
    expect(await titles([7101, 7102, 7103])).toEqual(['Celeste', 'Pokémon Red', 'Hades']);

    // A multi-byte UTF-8 character split across the reader's chunks is not an error.
    const big = `igdb_id,title\n${Array.from({ length: 4000 }, (_, i) => `${7200 + i},Ōkami ${'é'.repeat(i % 7)}`).join('\n')}\n`;
    const utf8 = await importCli([csvFile('utf8.csv', big)]);
    expect(utf8.code, utf8.stderr).toBe(0);
    expect(await titles([7200, 7206])).toEqual(['Ōkami ', 'Ōkami éééééé']);

    expectCliError(await importCli(['--encoding', 'klingon', file]), 'E_VALIDATION', 2);
  });
});

describe('destructive commands ask first', () => {
  let head: TestDatabase;
  beforeAll(async () => {
    head = await createTestDatabase({ from: 'head' });
    const client = await head.connect();
    try {
      await client.query(`INSERT INTO games (igdb_id, title) VALUES (9301, 'Keep Me')`);
    } finally {
      await client.end();
    }
  });
  afterAll(async () => head?.drop());
  const state = async () => {
    const client = await head.connect();
    try {
      const version = await client.query('SELECT version_num FROM alembic_version');
      const games = await client.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'games'`);
      return { heads: version.rows.map((r) => r.version_num as string), gamesTable: games.rows[0].n as number };
    } finally {
      await client.end();
    }
  };
  /** The CLI on a pseudo-terminal (util-linux `script`), answering the prompt with `answer`. */
  function onTerminal(args: string[], answer: string): Promise<CliResult> {
    const command = [process.execPath, path.join(PROJECT_ROOT, 'bin', 'play-later-db.js'), ...args].map((arg) => `'${arg}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, DATABASE_URL: head.url, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!answered && output.includes('Continue? [y/N] ')) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: output, stderr: output })));
  }

  it('downgrade base off a terminal, dropping tables that hold rows: E_CONFIRMATION_REQUIRED, exit 2, nothing changed', async () => {
    const before = await state();
    const result = await runCli(['downgrade', 'base'], { env: { DATABASE_URL: head.url } });
    expectCliError(result, 'E_CONFIRMATION_REQUIRED', 2);
    expect(result.stderr).toMatch(/downgrade base drops table\(s\) holding rows: .*games/);
    expect(result.stderr).toContain('hint: Run it on a terminal to be asked, or confirm in advance: play-later-db downgrade base --yes');
    expect(await state()).toEqual(before);
  });

  it('on a terminal it asks: N (or Enter) keeps everything, y goes ahead', async () => {
    const before = await state();
    const declined = await onTerminal(['downgrade', 'base'], '');
    expect(declined.stdout).toMatch(/WARN: downgrade base drops table\(s\) holding rows: .*games/);
    expect(declined.stdout).toContain('error E_CONFIRMATION_REQUIRED: Not confirmed; nothing was changed.');
    expect(declined.code).toBe(2);
    expect(await state()).toEqual(before);
    const confirmed = await onTerminal(['downgrade', 'base'], 'y');
    expect(confirmed.stdout).toContain('Continue? [y/N] ');
    expect(confirmed.code, confirmed.stdout).toBe(0);
    expect(await state()).toEqual({ heads: [], gamesTable: 0 });
  });

  it('--yes goes ahead off a terminal', async () => {
    expect((await runCli(['upgrade', 'head'], { env: { DATABASE_URL: head.url } })).code).toBe(0);
    const client = await head.connect();
    await client.query(`INSERT INTO games (igdb_id, title) VALUES (9302, 'Drop Me')`);
    await client.end();
    const result = await runCli(['downgrade', 'base', '--yes'], { env: { DATABASE_URL: head.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(await state()).toEqual({ heads: [], gamesTable: 0 });
  });
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// The URL parser is what the CLI relies on to never echo a password; keep the contract visible here.
it('the test database URL carries a password (so the masking checks above mean something)', () => {
  expect(parseDatabaseUrl(database.url).password).toBeTruthy();
});

describe('database URL and connection, slow', () => {
  it('a server that accepts and never answers: E_CONNECT_TIMEOUT after the default connect timeout, exit 1', async () => {
    const { result, port } = await silentRun;
    expectCliError(result, 'E_CONNECT_TIMEOUT', 1);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
  });
});
