import { PlayLaterError, isPlayLaterError } from '../errors.js';

/**
 * Connection strings in every form libpq accepts: URLs (postgresql:// or postgres://, percent-encoded,
 * several hosts, parameters in the query) and key=value conninfo (`host=a,b port=5432 dbname=x
 * password='it\'s'`). Both parse into one structure; everything else (our own connections, the
 * URL handed to pg_dump and psql, what is displayed) is rendered from it, so no raw string, and
 * therefore no password, ever travels further than this file.
 */

export const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export interface HostAddress {
  /** A name, an IP address, or a Unix-socket folder (starts with /). */
  host: string;
  port: number;
}

export interface DatabaseUrl {
  /** In the order libpq tries them (shuffled already when load_balance_hosts=random). */
  hosts: HostAddress[];
  user: string;
  password: string | undefined;
  database: string;
  targetSessionAttrs: TargetSessionAttrs;
  /** connect_timeout, per host; undefined when not given, 0 for "wait forever". */
  connectTimeoutMs: number | undefined;
  /** Every other libpq parameter given, decoded, in order (passed on to child tools as given). */
  params: Map<string, string>;
}

const DEFAULT_PORT = 5432;

/** libpq's keywords (PostgreSQL 17), less the ones DatabaseUrl holds in its own fields. */
const PASSED_ON_PARAMS = new Set([
  'passfile', 'channel_binding', 'client_encoding', 'options', 'application_name', 'fallback_application_name',
  'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout', 'gssencmode',
  'sslmode', 'sslnegotiation', 'sslcompression', 'sslcert', 'sslkey', 'sslpassword', 'sslcertmode', 'sslrootcert',
  'sslcrl', 'sslcrldir', 'sslsni', 'requirepeer', 'require_auth', 'ssl_min_protocol_version',
  'ssl_max_protocol_version', 'krbsrvname', 'gsslib', 'gssdelegation', 'load_balance_hosts',
]);
const OWN_FIELDS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'connect_timeout', 'target_session_attrs']);
/** libpq keywords that need what this tool cannot do (a service file, a replication session). */
const UNSUPPORTED_PARAMS: Record<string, string> = {
  service: 'Write the connection settings themselves instead of naming a service of pg_service.conf.',
  replication: 'A replication connection cannot run SQL migrations: drop the replication parameter.',
};
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
/** Parameters whose value is a secret, in any form. */
const SECRET_PARAMS = ['password', 'sslpassword'];

/** Parses a connection string of any form libpq accepts, naming precisely what is wrong. */
export function parseDatabaseUrl(raw: string): DatabaseUrl {
  const text = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return fromSettings(parseUrl(text));
    } catch (error) {
      // An @ after the host, and the string does not parse: most often an unencoded password, whose
      // rest became the database or the parameters; whatever the reason found, it could quote it.
      throw atAfterHost(text) && isPlayLaterError(error) && error.code === 'E_URL_MALFORMED' ? malformed(AT_AFTER_HOST) : error;
    }
  }
  if (/^\s*[A-Za-z_]+\s*=/.test(text)) return fromSettings(parseKeywords(text));
  throw malformed('it is neither a postgresql:// URL nor key=value settings (host=… dbname=…)');
}

/** The same connection, to another database (the password kept: for our own connections only). */
export function withDatabase(raw: string, database: string): string {
  return formatDatabaseUrl({ ...parseDatabaseUrl(raw), database }, 'keep');
}

/** What to show of a connection: a URL with the password as ***. */
export function displayDatabaseUrl(raw: string): string {
  return formatDatabaseUrl(parseDatabaseUrl(raw), 'mask');
}

/**
 * The connection as one libpq URL, which psql, pg_dump and pg_restore of any version since 10 accept
 * (several hosts included). `password`: 'omit' for child tools (they get it through PGPASSWORD),
 * 'mask' for display, 'keep' for a URL that our own connect() reads back.
 */
export function formatDatabaseUrl(url: DatabaseUrl, password: 'omit' | 'mask' | 'keep'): string {
  const enc = (value: string): string => encodeURIComponent(value);
  const secret = url.password === undefined || password === 'omit' ? '' : `:${password === 'mask' ? '***' : enc(url.password)}`;
  const hosts = url.hosts.map(({ host, port }) => `${host.includes(':') && !host.startsWith('/') ? `[${host}]` : enc(host)}:${port}`).join(',');
  const query = new Map<string, string>();
  if (url.targetSessionAttrs !== 'any') query.set('target_session_attrs', url.targetSessionAttrs);
  if (url.connectTimeoutMs !== undefined) query.set('connect_timeout', String(url.connectTimeoutMs / 1000));
  for (const [key, value] of url.params) {
    if (SECRET_PARAMS.includes(key) && password !== 'keep') {
      if (password === 'mask') query.set(key, '***');
      continue;
    }
    query.set(key, value);
  }
  const search = [...query].map(([key, value]) => `${key}=${value === '***' ? value : enc(value)}`).join('&');
  return `postgresql://${enc(url.user)}${secret}@${hosts}/${enc(url.database)}${search ? `?${search}` : ''}`;
}

/** "db1:5432, db2:5433": the hosts for a message. */
export function describeHosts(url: Pick<DatabaseUrl, 'hosts'>): string {
  return url.hosts.map(describeHost).join(', ');
}

export function describeHost({ host, port }: HostAddress): string {
  return host.startsWith('/') ? `${host} (socket, port ${port})` : `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Masks every password a text may hold, whatever the form: the password of a URL of any scheme (a
 * mistyped mysql:// URL holds a real password too; up to the last @, so an unencoded @ in it is
 * masked as well), `password=` (and `sslpassword=`) in a URL's query, and `password=…` of key=value
 * settings, quoted or not. Every rendered message, hint and --json document passes through it.
 */
export function maskUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s"']*:)[^\s"']*@/gi, '$1***@')
    .replace(/([?&](?:ssl)?password=)[^&#\s"']*/gi, '$1***')
    .replace(/(^|[\s"'(,;])((?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\[\s\S])*(?:'|$)|(?:[^\s\\"]|\\[\s\S])+)/gi, "$1$2'***'");
}

/**
 * `ps` shows a process's arguments to every user of the machine: a --database-url given on the
 * command line is overwritten there with its masked form (Linux rewrites the argument area).
 */
export function maskProcessTitle(argv: readonly string[]): void {
  const masked = argv.map(maskUrl);
  if (masked.some((arg, index) => arg !== argv[index])) process.title = ['play-later-db', ...masked].join(' ');
}

/** maskUrl, and the literal of every PASSWORD clause (CREATE/ALTER ROLE … PASSWORD '…'): for echoed SQL. */
export function maskSecrets(sql: string): string {
  return maskUrl(sql).replace(/\b(PASSWORD\s+)'(?:[^']|'')*'/gi, "$1'***'");
}

/** Settings as they were written, before defaults and checks. */
interface RawSettings {
  hosts: string[];
  /** Ports as written, one per host or a single one for all. */
  ports: string[];
  values: Map<string, string>;
}

function parseUrl(text: string): RawSettings {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)![1]!;
  if (scheme !== 'postgresql' && scheme !== 'postgres') throw malformed(`it uses the scheme "${scheme}"; expected postgresql:// (or postgres://)`);
  const rest = text.slice(scheme.length + 3);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  // user:pa/ss@host: libpq would read host "user" and port "pa"; say what is wrong without echoing it.
  if (!authority.includes('@') && /^[^:/?@]*:(?!\d*(?:[/?]|$))[^@]*@/.test(rest)) {
    throw malformed('the password holds an unencoded "/" or "?" (percent-encode it: %2F, %3F)');
  }
  const values = new Map<string, string>();
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    const user = decode(colon < 0 ? userInfo : userInfo.slice(0, colon), 'the user name');
    if (user) values.set('user', user);
    if (colon >= 0) values.set('password', decode(userInfo.slice(colon + 1), 'the password'));
  }
  const hosts: string[] = [];
  const ports: string[] = [];
  const hostList = authority.slice(at + 1);
  if (hostList) {
    for (const [index, spec] of hostList.split(',').entries()) {
      const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(spec);
      const colon = spec.lastIndexOf(':');
      const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : colon >= 0 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
      if (!bracketed && spec.startsWith('[')) throw malformed(`host ${index + 1} ("${spec}") opens a [ for an IPv6 address that is never closed`);
      hosts.push(decode(host, `host ${index + 1}`));
      ports.push(port ?? '');
    }
  }
  const queryAt = tail.indexOf('?');
  const path = queryAt < 0 ? tail : tail.slice(0, queryAt);
  // An @ after the host: most often a password holding "/" or "?" and an @ before them (user:a@b/c@host),
  // which libpq reads as host "b" and database "c@host". Checked before decoding, so that nothing of
  // the password is quoted in the message.
  if (path.slice(1).includes('@')) throw malformed(AT_AFTER_HOST);
  if (path.slice(1).includes('/')) throw malformed('the database name holds an unencoded "/" (percent-encode it: %2F)');
  const database = decode(path.replace(/^\//, ''), 'the database name');
  if (database) values.set('dbname', database);
  if (queryAt >= 0) {
    for (const pair of tail.slice(queryAt + 1).split('&')) {
      if (!pair) continue;
      const equals = pair.indexOf('=');
      if (equals < 0) throw malformed('a query parameter has no "=" (write ?key=value&key=value)');
      const key = decode(pair.slice(0, equals), 'a query parameter name');
      values.set(key, decode(pair.slice(equals + 1), SECRET_PARAMS.includes(key) ? `the ${key} parameter` : `the value of ${key}`));
    }
  }
  // libpq: a host or port in the query replaces the one before the path.
  return {
    hosts: values.has('host') || values.has('hostaddr') ? [] : hosts,
    ports: values.has('port') ? [] : ports.every((port) => port === '') ? [] : ports,
    values,
  };
}

const AT_AFTER_HOST =
  'an "@" comes after the host: a password or user name holding "@", "/" or "?" must be percent-encoded (%40, %2F, %3F), and so must an "@" in the database name or a parameter';

/** The URL has user@host and another @ after it (in the path or the parameters). */
function atAfterHost(text: string): boolean {
  const rest = text.slice(text.indexOf('://') + 3);
  const authorityEnd = rest.search(/[/?]/);
  return authorityEnd >= 0 && rest.slice(0, authorityEnd).includes('@') && rest.slice(authorityEnd).includes('@');
}

/** libpq's percent-decoding: every % followed by two hex digits, and never a NUL byte. */
function decode(value: string, what: string): string {
  // The bad sequence is not quoted: a misplaced password can end up in any part of the string.
  if (/%(?![0-9a-f]{2})|%00/i.test(value)) {
    throw malformed(`${what} has an invalid percent-encoding: a % must be followed by two hex digits (write a literal % as %25)`);
  }
  try {
    return decodeURIComponent(value);
  } catch {
    throw malformed(`${what} is not valid UTF-8 once percent-decoded`);
  }
}

/** key=value settings, as libpq reads them: values quoted with ' may hold spaces; \ escapes. */
function parseKeywords(text: string): RawSettings {
  const values = new Map<string, string>();
  let at = 0;
  const skipSpace = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  for (skipSpace(); at < text.length; skipSpace()) {
    const keyStart = at;
    while (at < text.length && text[at] !== '=' && !/\s/.test(text[at]!)) at++;
    const key = text.slice(keyStart, at);
    skipSpace();
    if (text[at] !== '=') throw malformed(`${nameAfter([...values.keys()].at(-1), key)} is not followed by "=" (a value holding spaces is quoted: key='a b')`);
    at++;
    skipSpace();
    let value = '';
    if (text[at] === "'") {
      at++;
      for (;;) {
        if (at >= text.length) throw malformed(`the quoted value of ${key} has no closing quote (a quote inside a value is written \\')`);
        const char = text[at++]!;
        if (char === "'") break;
        value += char === '\\' && at < text.length ? text[at++]! : char;
      }
    } else {
      while (at < text.length && !/\s/.test(text[at]!)) {
        const char = text[at++]!;
        value += char === '\\' && at < text.length ? text[at++]! : char;
      }
    }
    values.set(key, value);
  }
  return { hosts: [], ports: [], values };
}

function fromSettings(settings: RawSettings): DatabaseUrl {
  const { values } = settings;
  const params = new Map<string, string>();
  const keys = [...values.keys()];
  for (const [index, [key, value]] of [...values].entries()) {
    if (OWN_FIELDS.has(key)) continue;
    const name = nameAfter(keys[index - 1], key);
    const unsupported = UNSUPPORTED_PARAMS[key];
    if (unsupported) throw malformed(`the parameter ${name} is not supported here`, unsupported);
    if (!PASSED_ON_PARAMS.has(key)) throw malformed(`${name} is not a libpq connection parameter`, 'Use only the parameters of libpq (sslmode, connect_timeout, target_session_attrs, application_name, …); node-postgres options such as ssl=true are written sslmode=require.');
    params.set(key, value);
  }
  const hosts = settings.hosts.length > 0 ? settings.hosts : splitList(values.get('hostaddr') ?? values.get('host'));
  if (hosts.length === 0 || hosts.some((host) => host === '')) throw malformed(hosts.length === 0 ? 'it names no host' : 'its host list has an empty entry');
  const ports = settings.ports.length > 0 ? settings.ports : splitList(values.get('port'));
  if (ports.length > 1 && ports.length !== hosts.length) throw malformed(`it gives ${ports.length} ports for ${hosts.length} hosts (give one port for all, or one per host)`);
  const database = values.get('dbname') ?? '';
  if (!database) throw malformed('it names no database (the path after host:port, or dbname=)');
  const targetSessionAttrs = values.get('target_session_attrs') ?? 'any';
  if (!(TARGET_SESSION_ATTRS as readonly string[]).includes(targetSessionAttrs)) {
    throw malformed(`target_session_attrs "${targetSessionAttrs}" is not one of ${TARGET_SESSION_ATTRS.join(', ')}`);
  }
  const addresses = hosts.map((host, index) => ({ host, port: parsePort(ports.length > 1 ? ports[index]! : (ports[0] ?? ''), host) }));
  const sslmode = params.get('sslmode');
  if (sslmode !== undefined && !SSL_MODES.includes(sslmode)) {
    throw malformed(`sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`, 'Write sslmode=require to encrypt without checking the certificate, verify-full to check it.');
  }
  const loadBalance = params.get('load_balance_hosts') ?? 'disable';
  if (loadBalance !== 'disable' && loadBalance !== 'random') throw malformed(`load_balance_hosts "${loadBalance}" is not disable or random`);
  return {
    hosts: loadBalance === 'random' ? shuffled(addresses) : addresses,
    user: values.get('user') || process.env.PGUSER || 'postgres',
    password: values.get('password'),
    database,
    targetSessionAttrs: targetSessionAttrs as TargetSessionAttrs,
    connectTimeoutMs: parseConnectTimeout(values.get('connect_timeout')),
    params,
  };
}

/**
 * How to name a key in a message: quoted, unless it follows a password, when it may be a piece of
 * that password (password=a b or ?password=a&b, unquoted or unencoded).
 */
function nameAfter(previous: string | undefined, key: string): string {
  return previous && SECRET_PARAMS.includes(previous) ? `the setting after ${previous} (quote or percent-encode a password holding spaces or &)` : `"${key}"`;
}

function splitList(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',').map((item) => item.trim());
}

function parsePort(port: string, host: string): number {
  if (port === '') return DEFAULT_PORT;
  const value = /^\d+$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw malformed(`the port of host "${host}" is not a number from 1 to 65535`);
  return value;
}

/** libpq: whole seconds; 0 or less waits forever; 1 counts as 2 (libpq's minimum). */
function parseConnectTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\s*-?\d+\s*$/.test(value)) throw malformed(`connect_timeout "${value}" is not a whole number of seconds`);
  const seconds = Number(value);
  return seconds <= 0 ? 0 : Math.max(seconds, 2) * 1000;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function malformed(reason: string, hint?: string): PlayLaterError {
  // The string itself is not echoed: a mistyped keyword (pasword=…) or a misplaced character can
  // put a password where no masking rule would find it.
  return new PlayLaterError('E_URL_MALFORMED', `Malformed connection string (DATABASE_URL): ${reason}.`, {
    // Worded so that maskUrl, which every rendered hint passes through, leaves the example readable.
    hint:
      hint ??
      'Use the libpq form postgresql://user@host:5432/database (several hosts: host1:5432,host2:5432), with the password after the user name (user:password@host) and special characters percent-encoded, or key=value settings: host=… port=… dbname=… user=…',
  });
}
