/**
 * The embedded server's life through the real binary: a damaged data folder gives E_EMBEDDED_START
 * with the server log's last lines; Ctrl-C (SIGINT) during a slow revision stops the server and
 * exits non-zero; `serve` keeps it running for an app until Ctrl-C, then stops it and exits 0.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { expectCliError, jsonResult } from '../support/expect-cli.js';
import { fixtureDir } from '../support/revision-folders.js';
import { processesUsing } from '../support/processes.js';
import { runBin, runCli, startCli } from '../support/run-cli.js';
import { useTempFolders } from '../support/temp-folders.js';
import { loadProjectGraph } from '../support/template-databases.js';

const tempFolder = useTempFolders();
const dataFolder = (): string => tempFolder('plt-embedded-');

describe('embedded server failures', () => {
  it('a damaged data folder: E_EMBEDDED_START with the last lines of the server log, exit 1, no server left', async () => {
    const dataDir = dataFolder();
    const cluster = path.join(dataDir, 'pg18');
    // A cluster folder that claims to be PostgreSQL 18 but lost everything else (configuration, catalogs).
    mkdirSync(cluster, { mode: 0o700 });
    writeFileSync(path.join(cluster, 'PG_VERSION'), '18\n');
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresUser();
      chownSync(cluster, uid, gid);
      chownSync(path.join(cluster, 'PG_VERSION'), uid, gid);
    }
    const result = await runCli(['current'], { env: { PLAY_LATER_DATA_DIR: dataDir }, timeoutMs: 60_000 });
    expectCliError(result, 'E_EMBEDDED_START', 1);
    expect(result.stderr).toContain(`failed to start in ${cluster}`);
    expect(result.stderr).toMatch(/Last lines of its log:\n.*postgresql\.conf/);
    expect(result.stderr).not.toContain('undefined');
    expect(processesUsing(dataDir)).toEqual([]);
  });

  it('Ctrl-C during a slow revision stops the server, exits non-zero and keeps nothing of the revision', async () => {
    const dataDir = dataFolder();
    const env = { PLAY_LATER_DATA_DIR: dataDir };
    const slow = fixtureDir('revisions-slow');
    const running = startCli(['--revisions-dir', slow, 'upgrade', 'head'], { env, timeoutMs: 90_000 });
    await running.waitForStderr(/slow revision started/);
    running.child.kill('SIGINT'); // what Ctrl-C sends
    const result = await running.result;
    expect(result.stderr).toContain('slow revision started');
    expect(result.signal ?? result.code, result.stderr).not.toBe(0);
    expect(result.code, 'the server is stopped before the process exits, so it ends by itself').not.toBeNull();
    expect(existsSync(path.join(dataDir, 'pg18', 'postmaster.pid'))).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
    // The server starts again, and the interrupted revision left nothing behind.
    const current = jsonResult<{ heads: string[]; pending: string[] }>(await runCli(['--json', '--revisions-dir', slow, 'current'], { env }));
    expect(current).toMatchObject({ heads: [], pending: ['001_slow'] });
  });
});

describe('serve (npm run db)', () => {
  it('starts the server at head, prints its URL and a ready line, serves url/psql/current, and on Ctrl-C stops it and exits 0', async () => {
    const dataDir = dataFolder();
    const env = { PLAY_LATER_DATA_DIR: dataDir };
    const serving = startCli(['serve', '--port', '0'], { env, timeoutMs: 120_000 });
    await serving.waitForStdout(/^Ready: accepting connections on port \d+/m);
    expect(serving.child.exitCode, 'serve keeps running').toBeNull();

    const url = await runCli(['url', '--show-password'], { env });
    expect(url.code, url.stderr).toBe(0);
    const client = new pg.Client({ connectionString: url.stdout.trim() });
    await client.connect();
    const { rows } = await client.query<{ version_num: string; games: string }>(
      'SELECT version_num, (SELECT count(*) FROM games) AS games FROM alembic_version',
    );
    await client.end();
    expect(rows).toEqual([{ version_num: (await loadProjectGraph()).heads[0], games: '300' }]);
    expect((await runCli(['url'], { env })).stdout).toMatch(/^postgresql:\/\/postgres:\*\*\*@localhost:\d+\/play-later-db\n$/);
    // Other commands use the running server instead of waiting for its folder.
    const current = jsonResult<{ database: string; atHead: boolean }>(await runCli(['--json', 'current'], { env }));
    expect(current).toMatchObject({ database: expect.stringMatching(/^served /), atHead: true });
    // libpq's variables do not choose the server: a user who set them for psql is told so.
    const withPgHost = await runCli(['current'], { env: { ...env, PGHOST: 'db.internal', PGPORT: '6543' } });
    expect(withPgHost.code, withPgHost.stderr).toBe(0);
    expect(withPgHost.stderr).toContain('PGHOST, PGPORT are set, but play-later-db takes the server from DATABASE_URL only: without it, this uses the served database.');
    // psql inherits the command's terminal: only a real process shows what it printed.
    const psql = await runBin(['psql', '--', '-tAc', 'SELECT count(*) FROM games'], { env });
    expect(psql.stdout.trim(), psql.stderr).toBe('300');

    serving.child.kill('SIGINT'); // what Ctrl-C sends
    const result = await serving.result;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Stopped.');
    expect(existsSync(path.join(dataDir, 'pg18', 'postmaster.pid'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'serve.json'))).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
    expectCliError(await runCli(['url'], { env }), 'E_SERVER_NOT_RUNNING', 1);
  });
});

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user: the embedded server creates it on first start, which the global setup did');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
