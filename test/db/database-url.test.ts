/** Every form of connection string libpq accepts, read into one structure; each bad one named precisely, never echoed. */
import { describe, expect, it } from 'vitest';
import { formatDatabaseUrl, parseDatabaseUrl, withDatabase } from '../../src/db/database-url.js';
import { PlayLaterError } from '../../src/errors.js';
import { toolConnection } from '../../src/ops/run-tool.js';

const SECRET = "s3cr'et pass";

describe('parseDatabaseUrl', () => {
  it('reads URLs: both schemes, percent-encoding, IPv6, several hosts with and without ports, query parameters', () => {
    expect(parseDatabaseUrl('postgres://app:p%40ss%2Fw@db.example:6543/play%20later?sslmode=disable&application_name=x')).toMatchObject({
      hosts: [{ host: 'db.example', port: 6543 }],
      user: 'app',
      password: 'p@ss/w',
      database: 'play later',
      targetSessionAttrs: 'any',
      params: new Map([['sslmode', 'disable'], ['application_name', 'x']]),
    });
    expect(parseDatabaseUrl('postgresql://u:p@h1:5432,[::1]:5433,h3/db?target_session_attrs=read-write&connect_timeout=3')).toMatchObject({
      hosts: [
        { host: 'h1', port: 5432 },
        { host: '::1', port: 5433 },
        { host: 'h3', port: 5432 },
      ],
      targetSessionAttrs: 'read-write',
      connectTimeoutMs: 3000,
    });
  });

  it('reads the password, user and hosts from the query (?password=, ?host=), as libpq does', () => {
    expect(parseDatabaseUrl('postgresql:///db?host=/var/run/postgresql&port=5433&user=app&password=q%26r')).toMatchObject({
      hosts: [{ host: '/var/run/postgresql', port: 5433 }],
      user: 'app',
      password: 'q&r',
    });
    expect(parseDatabaseUrl('postgresql://%2Ftmp%2Fpg/db').hosts).toEqual([{ host: '/tmp/pg', port: 5432 }]);
  });

  it('reads key=value settings: quoted values with spaces and escaped quotes, host and port lists', () => {
    const parsed = parseDatabaseUrl(`host=h1,h2 port=5432,5433 dbname='my db' user=app password='${SECRET.replace(/'/g, "\\'")}' target_session_attrs=prefer-standby connect_timeout=1`);
    expect(parsed).toMatchObject({
      hosts: [
        { host: 'h1', port: 5432 },
        { host: 'h2', port: 5433 },
      ],
      database: 'my db',
      user: 'app',
      password: SECRET,
      targetSessionAttrs: 'prefer-standby',
      connectTimeoutMs: 2000, // libpq's minimum
    });
    expect(parseDatabaseUrl('host = /run/pg  dbname=x password=a\\ b').hosts).toEqual([{ host: '/run/pg', port: 5432 }]);
    expect(parseDatabaseUrl('host=/run/pg dbname=x password=a\\ b').password).toBe('a b');
  });

  it.each([
    ['bad percent-encoding in the password', 'postgresql://u:p%zz@h/db', 'the password has an invalid percent-encoding'],
    ['a port out of range', 'postgresql://u:secret@h:99999/db', 'the port of host "h" is not a number from 1 to 65535'],
    ['a port that is not a number', 'postgresql://u:secret@h:5x/db', 'the port of host "h" is not a number'],
    ['an unencoded / in the password', 'postgresql://u:sec/ret@h/db', 'the password holds an unencoded "/"'],
    // libpq reads user:se@cr/et%zz@h/db as host "cr", database "et%zz@h/db": no part of it is quoted.
    ['an unencoded @ and / in the password', 'postgresql://u:se@cr/et%zzsecret@h/db', 'must be percent-encoded (%40, %2F, %3F)'],
    ['bad percent-encoding in the database name', 'postgresql://u:secret@h/d%zz', 'the database name has an invalid percent-encoding'],
    // user:se@cr?et…@h/db: the rest of the password becomes the parameters; their names are not quoted.
    ['an unencoded @ and ? in the password', 'postgresql://u:se@cr?etsecret=zz@h/db', 'must be percent-encoded (%40, %2F, %3F)'],
    ['an unencoded @ and ? in the password, no "="', 'postgresql://u:se@cr?etsecret@h/db', 'must be percent-encoded (%40, %2F, %3F)'],
    ['another scheme', 'mysql://u:secret@h/db', 'the scheme "mysql"'],
    ['no database', 'postgresql://u:secret@h:5432/', 'names no database'],
    ['no host', 'dbname=x password=secret', 'names no host'],
    ['ports that do not match the hosts', 'host=a,b,c port=1,2 dbname=x password=secret', '2 ports for 3 hosts'],
    ['an unknown target_session_attrs', 'postgresql://u:secret@h/db?target_session_attrs=master', 'target_session_attrs "master"'],
    ['a parameter libpq does not know', 'postgresql://u:secret@h/db?ssl=true', '"ssl" is not a libpq connection parameter'],
    ['an unterminated quote', "host=h dbname=x password='secret", 'has no closing quote'],
    ['a password with a space, unquoted', 'host=h dbname=x password=sec ret', 'the setting after password'],
    ['neither form', 'h:5432/db secret', 'neither a postgresql:// URL nor key=value'],
  ])('%s: E_URL_MALFORMED with the reason, the string never echoed', (_, raw, reason) => {
    let error: unknown;
    try {
      parseDatabaseUrl(raw);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(PlayLaterError);
    const failure = error as PlayLaterError;
    expect(failure.code).toBe('E_URL_MALFORMED');
    expect(failure.exitCode).toBe(2);
    expect(failure.message).toContain(reason);
    expect(failure.hint).toBeTruthy();
    for (const secret of ['secret', 'sec', 'ret', 'zz']) expect(`${failure.message} ${failure.hint}`).not.toContain(secret);
  });
});

describe('formatting', () => {
  const settings = `host=/run/pg,db2 port=5432,5433 dbname=play user=app password='${SECRET.replace(/'/g, "\\'")}' sslmode=require target_session_attrs=read-write`;

  it('renders any form as one URL that libpq tools read: password kept, masked or left out', () => {
    const parsed = parseDatabaseUrl(settings);
    const keep = formatDatabaseUrl(parsed, 'keep');
    expect(parseDatabaseUrl(keep)).toEqual(parsed);
    expect(formatDatabaseUrl(parsed, 'mask')).toBe('postgresql://app:***@%2Frun%2Fpg:5432,db2:5433/play?target_session_attrs=read-write&sslmode=require');
    expect(formatDatabaseUrl(parsed, 'omit')).toBe('postgresql://app@%2Frun%2Fpg:5432,db2:5433/play?target_session_attrs=read-write&sslmode=require');
    expect(formatDatabaseUrl(parseDatabaseUrl('postgresql://u@h/db?password=x&sslpassword=y'), 'mask')).toBe('postgresql://u:***@h:5432/db?sslpassword=***');
  });

  it('withDatabase keeps every host and setting', () => {
    expect(parseDatabaseUrl(withDatabase(settings, 'other'))).toEqual({ ...parseDatabaseUrl(settings), database: 'other' });
  });

  it('child tools get the URL without the password, and the password in PGPASSWORD', () => {
    const tool = toolConnection(settings);
    expect(tool.dbname).not.toContain('s3cr');
    expect(tool.env).toEqual({ PGPASSWORD: SECRET });
    expect(tool.secrets).toContain(SECRET);
    expect(toolConnection('postgresql://u@h/db').env).toEqual({});
  });
});
