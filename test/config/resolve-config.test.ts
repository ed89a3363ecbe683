/** flags > environment > config file > defaults, and every bad setting is a clear E_CONFIG. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, DEFAULT_FILE_TEMPLATE, resolveConfig } from '../../src/config/resolve-config.js';
import { PlayLaterError } from '../../src/errors.js';
import { expectCliError } from '../support/expect-cli.js';
import { runCli } from '../support/run-cli.js';
import { useTempFolders } from '../support/temp-folders.js';

const tempFolder = useTempFolders();

/** A project folder holding play-later-db.config.json with `content` (an object, or raw text). */
function projectWithConfig(content: unknown): string {
  const dir = tempFolder('plt-config-');
  writeFileSync(path.join(dir, CONFIG_FILE_NAME), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

function configError(run: () => unknown): PlayLaterError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PlayLaterError);
    expect((error as PlayLaterError).code).toBe('E_CONFIG');
    expect((error as PlayLaterError).exitCode).toBe(2);
    return error as PlayLaterError;
  }
  throw new Error('expected E_CONFIG, nothing was thrown');
}

const fileValues = {
  databaseUrl: 'postgresql://file@localhost/file_db',
  revisionsDir: 'file-revisions',
  lockWaitMs: 3000,
  lockTimeoutMs: 300,
  statementTimeoutMs: 30,
  timezone: 'Europe/Paris',
};

describe('resolveConfig', () => {
  it('takes each setting from the first of flags, environment, config file, defaults', () => {
    const cwd = projectWithConfig(fileValues);
    const config = resolveConfig({
      cwd,
      flags: { databaseUrl: 'postgresql://flag@localhost/flag_db', lockWaitMs: '1000' },
      env: {
        DATABASE_URL: 'postgresql://env@localhost/env_db',
        PLAY_LATER_REVISIONS_DIR: 'env-revisions',
        PLAY_LATER_LOCK_WAIT_MS: '2000',
        PLAY_LATER_LOCK_TIMEOUT_MS: '200',
      },
    });
    // flag beats environment and file
    expect(config.databaseUrl).toBe('postgresql://flag@localhost/flag_db');
    expect(config.lockWaitMs).toBe(1000);
    // environment beats file (a relative path resolves against the current folder)
    expect(config.revisionsDir).toBe(path.join(cwd, 'env-revisions'));
    expect(config.lockTimeoutMs).toBe(200);
    // file beats default
    expect(config.statementTimeoutMs).toBe(30);
    expect(config.timezone).toBe('Europe/Paris');
    // defaults
    expect(config.lockRetries).toBe(8);
    expect(config.leaseTtlMs).toBe(15_000);
    expect(config.fileTemplate).toBe(DEFAULT_FILE_TEMPLATE);
    expect(config.dataDir).toBe(path.join(cwd, '.play-later'));
    expect(config.sources).toMatchObject({
      databaseUrl: 'flag',
      lockWaitMs: 'flag',
      revisionsDir: 'env',
      lockTimeoutMs: 'env',
      statementTimeoutMs: 'file',
      timezone: 'file',
      lockRetries: 'default',
      fileTemplate: 'default',
    });
  });

  it('falls through an empty environment variable to the config file', () => {
    const cwd = projectWithConfig(fileValues);
    const config = resolveConfig({ cwd, env: { DATABASE_URL: '' } });
    expect(config.databaseUrl).toBe(fileValues.databaseUrl);
    expect(config.sources.databaseUrl).toBe('file');
  });

  it('resolves file paths against the config file folder and leaves the URL unset by default', () => {
    const cwd = projectWithConfig({ revisionsDir: 'revs' });
    const elsewhere = tempFolder('plt-config-cwd-');
    const config = resolveConfig({ cwd: elsewhere, env: {}, configFile: path.join(cwd, CONFIG_FILE_NAME) });
    expect(config.revisionsDir).toBe(path.join(cwd, 'revs'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.sources.databaseUrl).toBe('default');
  });

  it('rejects an unknown config key, naming it and the known keys', () => {
    const cwd = projectWithConfig({ databaseURL: 'postgresql://x@y/z' });
    const error = configError(() => resolveConfig({ cwd, env: {} }));
    expect(error.message).toContain('unknown key "databaseURL"');
    expect(error.hint).toContain('databaseUrl');
  });

  it('rejects a config file that is not valid JSON, or not an object, or has a non-scalar value', () => {
    expect(configError(() => resolveConfig({ cwd: projectWithConfig('{ "databaseUrl": '), env: {} })).message).toContain('not valid JSON');
    expect(configError(() => resolveConfig({ cwd: projectWithConfig('[1, 2]'), env: {} })).message).toContain('must hold a JSON object');
    expect(configError(() => resolveConfig({ cwd: projectWithConfig({ lockWaitMs: [1] }), env: {} })).message).toContain('must be a string or a number');
  });

  it('rejects a bad number from each source, naming the source', () => {
    const cwd = projectWithConfig({ lockRetries: -1 });
    expect(configError(() => resolveConfig({ cwd, env: {} })).message).toMatch(/"lockRetries" in play-later-db.config.json must be a whole number >= 0, got -1\./);
    expect(configError(() => resolveConfig({ cwd, env: { PLAY_LATER_LOCK_WAIT_MS: '10s' } })).message).toContain('the environment variable PLAY_LATER_LOCK_WAIT_MS must be');
    // The flag the user typed, not the config key behind it.
    const flag = configError(() => resolveConfig({ cwd, env: {}, flags: { lockTimeoutMs: '1.5' } }));
    expect(flag.message).toContain('--lock-timeout must be a whole number >= 0 (milliseconds), got "1.5".');
    expect(flag.hint).toBe('Fix --lock-timeout, e.g. --lock-timeout 2000.');
    // A lease shorter than a second would lapse between its renewals.
    expect(configError(() => resolveConfig({ cwd: projectWithConfig({}), env: { PLAY_LATER_LEASE_TTL_MS: '500' } })).message).toContain(
      'the environment variable PLAY_LATER_LEASE_TTL_MS must be a whole number >= 1000 (milliseconds), got "500".',
    );
    expect(resolveConfig({ cwd: projectWithConfig({}), env: { PLAY_LATER_LEASE_TTL_MS: '3000' } }).leaseTtlMs).toBe(3000);
    // The replica check's bound: 30 s unless set, -1 turns it off, nothing below.
    expect(resolveConfig({ cwd: projectWithConfig({}), env: {} }).maxReplayStallMs).toBe(30_000);
    expect(resolveConfig({ cwd: projectWithConfig({}), env: { PLAY_LATER_MAX_REPLAY_STALL_MS: '-1' } }).maxReplayStallMs).toBe(-1);
    expect(configError(() => resolveConfig({ cwd: projectWithConfig({}), env: { PLAY_LATER_MAX_REPLAY_STALL_MS: '-5' } })).message).toContain(
      'the environment variable PLAY_LATER_MAX_REPLAY_STALL_MS must be a whole number >= -1 (milliseconds), got "-5".',
    );
  });

  it('rejects an explicit config file that does not exist', () => {
    expect(configError(() => resolveConfig({ env: {}, configFile: '/nonexistent/play-later.json' })).message).toContain('does not exist');
  });
});

describe('config errors through the CLI', () => {
  it('an unknown key: E_CONFIG, exit 2, no stack', async () => {
    const cwd = projectWithConfig({ databaseUrl: 'postgresql://x@localhost/x', colour: 'blue' });
    expectCliError(await runCli(['current'], { cwd }), 'E_CONFIG', 2);
  });

  it('a bad number in the environment: E_CONFIG, exit 2, no stack', async () => {
    const cwd = projectWithConfig({});
    const result = await runCli(['--json', 'current'], { cwd, env: { PLAY_LATER_LOCK_WAIT_MS: 'soon' } });
    expectCliError(result, 'E_CONFIG', 2);
  });
});
