/**
 * libpq's multi-host connection strings against a real PostgreSQL 15 primary and streaming standby:
 * hosts tried in order (a closed port and a server that never answers among them), each
 * target_session_attrs, connect_timeout per host, the error naming every host tried, write
 * commands stopped on a standby before anything runs, and pg_dump/psql given the same hosts.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { PlayLaterError } from '../../src/errors.js';
import { toolConnection } from '../../src/ops/run-tool.js';
import { readHeads } from '../../src/runner/version-table.js';
import { expectCliError, jsonResult } from '../support/expect-cli.js';
import { freePort, usePrimaryAndStandby } from '../support/primary-standby.js';
import { fixtureDir } from '../support/revision-folders.js';
import { runCli } from '../support/run-cli.js';
import { useTempFolders } from '../support/temp-folders.js';
import { withConnection } from '../support/test-database.js';

type Node = 'primary' | 'standby' | 'closed' | 'silent';

const servers = usePrimaryAndStandby();
const tempFolder = useTempFolders();
const LINEAR = fixtureDir('revisions-linear');
const DATABASE = 'plt_multi_host';

describe.runIf(servers.available)('multi-host connection strings [PostgreSQL 15 primary + streaming standby]', () => {
  let closedPort: number;
  let silent: net.Server;
  let silentPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
    silent = net.createServer(() => undefined); // accepts, never says a word
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
    const admin = await connect(servers.get().url('primary'));
    try {
      await admin.query(`CREATE DATABASE ${DATABASE} TEMPLATE template0`);
    } finally {
      await disconnect(admin);
    }
    await servers.get().caughtUp();
  });
  afterAll(() => silent?.close());

  const portOf = (node: Node): number =>
    ({ primary: servers.get().primaryPort, standby: servers.get().standbyPort, closed: closedPort, silent: silentPort })[node];

  /** postgresql://postgres:…@127.0.0.1:p1,127.0.0.1:p2/db?query */
  function hostsUrl(nodes: Node[], query = '', database = DATABASE): string {
    const hosts = nodes.map((node) => `127.0.0.1:${portOf(node)}`).join(',');
    return `postgresql://postgres:${servers.get().password}@${hosts}/${database}${query ? `?${query}` : ''}`;
  }

  async function landsOn(url: string): Promise<Node> {
    const client = await connect(url);
    try {
      const { rows } = await client.query<{ port: number; standby: boolean }>('SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby');
      expect(rows[0]!.standby).toBe(rows[0]!.port === servers.get().standbyPort);
      return rows[0]!.port === servers.get().primaryPort ? 'primary' : 'standby';
    } finally {
      await disconnect(client);
    }
  }

  it.each<[string, Node[], Node]>([
    ['any', ['closed', 'standby', 'primary'], 'standby'],
    ['read-write', ['closed', 'standby', 'primary'], 'primary'],
    ['primary', ['closed', 'standby', 'primary'], 'primary'],
    ['read-only', ['closed', 'primary', 'standby'], 'standby'],
    ['standby', ['closed', 'primary', 'standby'], 'standby'],
    ['prefer-standby', ['closed', 'primary', 'standby'], 'standby'],
    // No standby among the hosts: prefer-standby's second pass takes any.
    ['prefer-standby', ['closed', 'primary'], 'primary'],
  ])('target_session_attrs=%s over %j connects to the %s', async (attrs, nodes, expected) => {
    expect(await landsOn(hostsUrl(nodes, `target_session_attrs=${attrs}`))).toBe(expected);
  });

  it('reads the same from key=value settings (host and port lists, a quoted password)', async () => {
    const { primaryPort, standbyPort, password } = servers.get();
    const settings = `host=127.0.0.1,127.0.0.1,127.0.0.1 port=${closedPort},${primaryPort},${standbyPort} dbname=${DATABASE} user=postgres password='${password}'`;
    expect(await landsOn(`${settings} target_session_attrs=standby`)).toBe('standby');
    expect(await landsOn(`${settings} target_session_attrs=read-write`)).toBe('primary');
  });

  it('connect_timeout applies to each host: a server that never answers costs its timeout, then the next host is tried', async () => {
    const started = Date.now();
    expect(await landsOn(hostsUrl(['silent', 'primary'], 'connect_timeout=2'))).toBe('primary');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(8000);
  });

  it('no host of the wanted kind: E_CONNECT_UNREACHABLE naming every host tried and why, without the password', async () => {
    const error = await connect(hostsUrl(['closed', 'silent', 'primary'], 'target_session_attrs=standby&connect_timeout=2')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(PlayLaterError);
    const failure = error as PlayLaterError;
    expect(failure.code).toBe('E_CONNECT_UNREACHABLE');
    for (const node of ['closed', 'silent', 'primary'] as const) expect(failure.message).toContain(`127.0.0.1:${portOf(node)}`);
    expect(failure.message).toMatch(/ECONNREFUSED.*timed out.*the primary, not a standby/);
    expect(failure.hint).toContain('target_session_attrs=standby');
    expect(JSON.stringify({ message: failure.message, hint: failure.hint, data: failure.data })).not.toContain(servers.get().password);
  });

  it('a command that writes, pointed at a standby, stops before anything with E_READ_ONLY_SERVER', async () => {
    const folder = tempFolder('plt-read-only-');
    const csv = path.join(folder, 'games.csv');
    writeFileSync(csv, 'igdb_id,title\n1,Game\n');
    const dump = path.join(folder, `${DATABASE}_20260101T000000000Z.dump`);
    writeFileSync(dump, 'PGDMP');
    const standbyOnly = hostsUrl(['standby']);
    for (const args of [['upgrade', 'head'], ['downgrade', 'base'], ['stamp', 'head'], ['import-games', csv], ['restore', dump], ['--json', 'upgrade', 'head']]) {
      const result = await runCli(['--revisions-dir', LINEAR, ...args], { env: { DATABASE_URL: standbyOnly } });
      expectCliError(result, 'E_READ_ONLY_SERVER', 1);
      expect(result.stderr, args.join(' ')).toContain(`127.0.0.1:${servers.get().standbyPort} is a standby`);
      expect(`${result.stdout}${result.stderr}`).not.toContain(servers.get().password);
    }
    // libpq's default (any) takes the first host that answers, a standby here: the hint says how to pick the primary.
    const result = await runCli(['--revisions-dir', LINEAR, 'upgrade', 'head'], { env: { DATABASE_URL: hostsUrl(['standby', 'primary']) } });
    expectCliError(result, 'E_READ_ONLY_SERVER', 1);
    expect(result.stderr).toContain('target_session_attrs=read-write');
    // Nothing was done anywhere: no version table on the primary.
    const primary = await connect(servers.get().url('primary', DATABASE));
    try {
      const { rows } = await primary.query<{ found: boolean }>("SELECT to_regclass('alembic_version') IS NOT NULL AS found");
      expect(rows[0]!.found).toBe(false);
    } finally {
      await disconnect(primary);
    }
  });

  it('through one multi-host URL: upgrade reaches the primary (read-write), current reads a standby, pg_dump and psql land on the primary', async () => {
    const readWrite = hostsUrl(['closed', 'standby', 'primary'], 'target_session_attrs=read-write&connect_timeout=3');
    const upgraded = await runCli(['--revisions-dir', LINEAR, 'upgrade', 'head'], { env: { DATABASE_URL: readWrite } });
    expect(upgraded.code, upgraded.stderr).toBe(0);
    await servers.get().caughtUp();

    const current = jsonResult<{ database: string; atHead: boolean }>(
      await runCli(['--revisions-dir', LINEAR, '--json', 'current'], { env: { DATABASE_URL: hostsUrl(['primary', 'standby'], 'target_session_attrs=standby') } }),
    );
    expect(current.atHead).toBe(true);
    expect(current.database).toBe(`postgresql://postgres:***@127.0.0.1:${servers.get().primaryPort},127.0.0.1:${servers.get().standbyPort}/${DATABASE}?target_session_attrs=standby`);

    const backupDir = tempFolder('plt-multi-backup-');
    const backup = await runCli(['backup'], { env: { DATABASE_URL: readWrite, PLAY_LATER_BACKUP_DIR: backupDir, PLAY_LATER_PG_BIN_DIR: '/usr/lib/postgresql/15/bin' } });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain(`${DATABASE}_`);

    // psql reads the URL our child tools receive: every host, target_session_attrs, no password in it.
    const tool = toolConnection(readWrite);
    expect(tool.dbname).toBe(`postgresql://postgres@127.0.0.1:${closedPort},127.0.0.1:${servers.get().standbyPort},127.0.0.1:${servers.get().primaryPort}/${DATABASE}?target_session_attrs=read-write&connect_timeout=3`);
    const { stdout } = await promisify(execFile)('/usr/lib/postgresql/15/bin/psql', ['-XAt', '--no-password', `--dbname=${tool.dbname}`, '-c', 'SELECT inet_server_port()'], {
      env: { ...process.env, ...tool.env },
    });
    expect(Number(stdout.trim())).toBe(servers.get().primaryPort);
  });

  it('a run refuses to start while a standby of the URL could stall its replay past maxReplayStallMs (E_REPLICA_DELAY, nothing applied)', async () => {
    const readWrite = hostsUrl(['closed', 'standby', 'primary'], 'target_session_attrs=read-write&connect_timeout=3');
    const onStandby = (sql: string): Promise<void> =>
      withConnection(servers.get().url('standby'), async (standby) => {
        await standby.query(sql);
        await standby.query('SELECT pg_reload_conf()');
      });
    const heads = (): Promise<string[]> => withConnection(servers.get().url('primary', DATABASE), readHeads);
    const downgrade = (env: NodeJS.ProcessEnv = {}) => runCli(['--revisions-dir', LINEAR, 'downgrade', 'base'], { env: { DATABASE_URL: readWrite, ...env } });
    const before = await heads();
    expect(before).toHaveLength(1);

    await onStandby('ALTER SYSTEM SET max_standby_streaming_delay = -1');
    try {
      const refused = await downgrade();
      expectCliError(refused, 'E_REPLICA_DELAY', 1);
      expect(refused.stderr).toContain(`127.0.0.1:${servers.get().standbyPort} (max_standby_streaming_delay -1 (for ever), max_standby_archive_delay 30000 ms)`);
      expect(refused.stderr).toContain(`could not check the replay delay of 127.0.0.1:${closedPort}`); // the closed host: named, skipped
      expect(`${refused.stdout}${refused.stderr}`).not.toContain(servers.get().password);
      expect(await heads()).toEqual(before);

      // A bound below the standby's own (30 s) refuses too; -1 turns the check off.
      await onStandby('ALTER SYSTEM RESET max_standby_streaming_delay');
      expectCliError(await downgrade({ PLAY_LATER_MAX_REPLAY_STALL_MS: '1000' }), 'E_REPLICA_DELAY', 1);
      expect(await heads()).toEqual(before);
      const allowed = await downgrade({ PLAY_LATER_MAX_REPLAY_STALL_MS: '-1' });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(await heads()).toEqual([]);
      // The default bound (30 s) against PostgreSQL's default settings (30 s): the run goes ahead.
      const upgraded = await runCli(['--revisions-dir', LINEAR, 'upgrade', 'head'], { env: { DATABASE_URL: readWrite } });
      expect(upgraded.code, upgraded.stderr).toBe(0);
      expect(await heads()).toEqual(before);
    } finally {
      await onStandby('ALTER SYSTEM RESET max_standby_streaming_delay');
    }
  });
});
