import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { PlayLaterError, messageOf } from '../errors.js';
import { describeHost, describeHosts, formatDatabaseUrl, maskUrl, parseDatabaseUrl, type DatabaseUrl, type HostAddress, type TargetSessionAttrs } from './database-url.js';

export const CONNECT_TIMEOUT_MS = 10_000;

export type Client = pg.Client;

export interface ConnectOptions {
  /** Per host, when the connection string gives no connect_timeout. */
  connectTimeoutMs?: number;
  applicationName?: string;
  /**
   * The caller is going to write: a server that cannot (a standby, or default_transaction_read_only)
   * is refused with E_READ_ONLY_SERVER right after connecting, before anything is sent.
   */
  requireWritable?: boolean;
}

/** What a host turned out to be, or why it was passed over: for the message that lists them all. */
interface Attempt {
  host: HostAddress;
  kind: 'unresolved' | 'refused' | 'timeout' | 'wrong-session' | 'no-ssl' | 'other';
  outcome: string;
}

/** The URL each open connection was made from, for a second connection to the same place. */
const urls = new WeakMap<pg.Client, string>();

/** The URL `client` was opened with by connect(), if it was. */
export function urlOf(client: pg.Client): string | undefined {
  return urls.get(client);
}

/**
 * Opens one connection (the runner never uses a pool) and turns every way connecting can fail
 * into a typed error that names the server and what to do. Several hosts are tried the way libpq
 * does, since node-postgres does not: in order, connect_timeout per host, the next host after a
 * network failure or a session of the wrong kind (target_session_attrs), but not after the server
 * has refused the user or the database; prefer-standby makes two passes (a standby, then any).
 */
export async function connect(rawUrl: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const target = parseDatabaseUrl(rawUrl);
  const attempts: Attempt[] = [];
  const passes: TargetSessionAttrs[] = target.targetSessionAttrs === 'prefer-standby' ? ['standby', 'any'] : [target.targetSessionAttrs];
  for (const wanted of passes) {
    for (const host of target.hosts) {
      let client: pg.Client;
      try {
        client = await openClient(target, host, options);
      } catch (error) {
        if (!tryNextHost(error)) throw connectionError(error, host, target, attempts);
        attempts.push({ host, ...failureReason(error) });
        continue;
      }
      try {
        const state = wanted === 'any' && !options.requireWritable ? undefined : await sessionState(client);
        const mismatch = state && sessionMismatch(wanted, state);
        if (mismatch) {
          attempts.push({ host, kind: 'wrong-session', outcome: mismatch });
          await disconnect(client);
          continue;
        }
        if (state && options.requireWritable && state.readOnly) throw readOnlyServer(target, host, state);
        urls.set(client, rawUrl);
        return client;
      } catch (error) {
        await disconnect(client);
        throw error;
      }
    }
  }
  throw noHostAccepted(target, attempts);
}

/** Closes a connection, never throwing: used on every exit path. */
export async function disconnect(client: pg.Client | undefined): Promise<void> {
  if (client) await client.end().catch(() => undefined);
}

/**
 * Asks the server to cancel the statement `client` is running, as libpq's PQcancel does: a cancel
 * request, with the session's key, on a connection of its own to the same host and port (PgBouncer
 * forwards it). Fire and forget: the statement then fails with SQLSTATE 57014; an idle session
 * ignores it.
 */
export function cancelRunningStatement(client: pg.Client): void {
  const session = client as pg.Client & { processID: number | null; secretKey: number | null };
  if (session.processID === null || session.secretKey === null) return;
  const { processID, secretKey } = session;
  const connection = new (pg as unknown as { Connection: new () => CancelConnection }).Connection();
  connection.on('error', () => undefined);
  connection.once('connect', () => connection.cancel(processID, secretKey));
  // A Unix-socket folder is reached through its socket file, as node-postgres itself does.
  if (client.host.startsWith('/')) connection.connect(`${client.host}/.s.PGSQL.${client.port}`);
  else connection.connect(client.port, client.host);
}

/** The part of node-postgres' wire connection (pg.Connection) that a cancel request uses. */
interface CancelConnection {
  on(event: 'error', listener: () => void): void;
  once(event: 'connect', listener: () => void): void;
  connect(port: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
}

/** One host, with sslmode=prefer's fallback to a plain connection when the server has no SSL. */
async function openClient(target: DatabaseUrl, host: HostAddress, options: ConnectOptions): Promise<pg.Client> {
  const variants = sslVariants(target.params);
  for (const [index, ssl] of variants.entries()) {
    const client = new pg.Client({
      host: host.host,
      port: host.port,
      user: target.user,
      password: target.password,
      database: target.database,
      ssl,
      connectionTimeoutMillis: target.connectTimeoutMs ?? options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      application_name: target.params.get('application_name') ?? options.applicationName ?? 'play-later-db',
      options: target.params.get('options'),
      client_encoding: target.params.get('client_encoding'),
      keepAlive: target.params.get('keepalives') !== '0',
      keepAliveInitialDelayMillis: Number(target.params.get('keepalives_idle') ?? 0) * 1000,
    });
    // An idle connection that the server drops emits 'error'; without a listener Node would crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      const noSsl = /does not support SSL/i.test(messageOf(error));
      if (!(noSsl && index < variants.length - 1)) throw error;
    }
  }
  throw new Error('unreachable: sslVariants is never empty');
}

/** sslmode as libpq reads it, in node-postgres' terms; prefer tries SSL, then a plain connection. */
function sslVariants(params: ReadonlyMap<string, string>): Array<false | ConnectionOptions> {
  const mode = params.get('sslmode');
  const files: ConnectionOptions = {};
  const read = (key: string): string | undefined => {
    const file = params.get(key);
    return file ? readFileSync(file, 'utf8') : undefined;
  };
  files.ca = read('sslrootcert');
  files.cert = read('sslcert');
  files.key = read('sslkey');
  if (params.has('sslpassword')) files.passphrase = params.get('sslpassword');
  const unverified = { ...files, rejectUnauthorized: false };
  const caOnly = { ...files, checkServerIdentity: () => undefined };
  switch (mode) {
    case undefined:
    case 'disable':
    case 'allow':
      return [false];
    case 'prefer':
      return [unverified, false];
    case 'require':
      return [files.ca ? caOnly : unverified];
    case 'verify-ca':
      return [caOnly];
    default: // verify-full (parseDatabaseUrl accepts no other mode)
      return [files];
  }
}

interface SessionState {
  readOnly: boolean;
  inRecovery: boolean;
}

/** libpq's two checks: SHOW transaction_read_only for read-write/read-only, pg_is_in_recovery() for primary/standby. */
async function sessionState(client: pg.Client): Promise<SessionState> {
  const { rows } = await client.query<{ read_only: string; in_recovery: boolean }>(
    "SELECT current_setting('transaction_read_only') AS read_only, pg_is_in_recovery() AS in_recovery",
  );
  return { readOnly: rows[0]!.read_only === 'on', inRecovery: rows[0]!.in_recovery };
}

function sessionMismatch(wanted: TargetSessionAttrs, state: SessionState): string | undefined {
  switch (wanted) {
    case 'any':
    case 'prefer-standby':
      return undefined;
    case 'read-write':
      return state.readOnly ? `read-only session${state.inRecovery ? ' (a standby)' : ''}, not read-write` : undefined;
    case 'read-only':
      return state.readOnly ? undefined : 'read-write session, not read-only';
    case 'primary':
      return state.inRecovery ? 'a standby, not the primary' : undefined;
    case 'standby':
      return state.inRecovery ? undefined : 'the primary, not a standby';
  }
}

/** libpq moves on after a network failure or a server not yet (or no longer) accepting connections. */
function tryNextHost(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code === '57P03') return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false;
  // node-postgres' own "SASL: … client password must be a string": no password given.
  return !(error instanceof PlayLaterError) && !/SASL|password/i.test(messageOf(error));
}

function failureReason(error: unknown): Pick<Attempt, 'kind' | 'outcome'> {
  const code = (error as { code?: string }).code;
  const message = maskUrl(messageOf(error));
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'unresolved', outcome: `the name does not resolve (${code})` };
  if (code && /^E[A-Z]+$/.test(code)) return { kind: 'refused', outcome: `unreachable (${code})` };
  if (/timeout/i.test(message)) return { kind: 'timeout', outcome: 'timed out' };
  // sslmode=require (or verify-*) and a server without SSL: it answered, so not "unreachable".
  if (/does not support SSL/i.test(message)) return { kind: 'no-ssl', outcome: 'the server does not accept SSL connections, and sslmode requires SSL' };
  return { kind: 'other', outcome: message };
}

function readOnlyServer(target: DatabaseUrl, host: HostAddress, state: SessionState): PlayLaterError {
  const what = state.inRecovery ? 'a standby (in recovery)' : 'read-only (default_transaction_read_only is on)';
  return new PlayLaterError('E_READ_ONLY_SERVER', `The server at ${describeHost(host)} is ${what}, and this command writes: nothing was done.`, {
    hint:
      target.hosts.length > 1
        ? 'Add target_session_attrs=read-write (or primary) to the connection string, so that the primary is chosen among the hosts.'
        : 'Point DATABASE_URL at the primary, or list every node with target_session_attrs=read-write (postgresql://user@host1,host2/db?target_session_attrs=read-write).',
    data: { url: formatDatabaseUrl(target, 'mask'), host: describeHost(host), inRecovery: state.inRecovery },
  });
}

function noHostAccepted(target: DatabaseUrl, attempts: Attempt[]): PlayLaterError {
  const data = { url: formatDatabaseUrl(target, 'mask'), hostsTried: attempts.map(({ host, outcome }) => ({ host: describeHost(host), outcome })) };
  const only = attempts.length === 1 ? attempts[0]! : undefined;
  const where = only && describeHost(only.host);
  const unreachableHint = 'Start the server, or fix the host and port in DATABASE_URL.';
  switch (only?.kind) {
    case 'timeout':
      return new PlayLaterError('E_CONNECT_TIMEOUT', `Connecting to ${where} timed out.`, {
        data,
        hint: 'Check that the host is reachable from here (firewall, VPN) and the port is right; connect_timeout=<seconds> in the connection string sets the wait.',
      });
    case 'unresolved':
      return new PlayLaterError('E_CONNECT_UNREACHABLE', `Cannot resolve the database host of ${where}.`, { data, hint: 'Check the host name in DATABASE_URL.' });
    case 'refused':
      return new PlayLaterError('E_CONNECT_UNREACHABLE', `No PostgreSQL server answers at ${where}: ${only!.outcome}.`, { data, hint: unreachableHint });
    default:
      break;
  }
  const wanted = target.targetSessionAttrs === 'any' ? 'a connection' : `a ${target.targetSessionAttrs} session`;
  const tried = attempts.map(({ host, outcome }) => `${describeHost(host)}: ${outcome}`).join('; ');
  return new PlayLaterError('E_CONNECT_UNREACHABLE', `No host gave ${wanted} (tried ${describeHosts(target)}): ${tried}.`, {
    data,
    hint: attempts.some(({ kind }) => kind === 'wrong-session')
      ? `Every reachable host is of the wrong kind for target_session_attrs=${target.targetSessionAttrs}: check which node is the primary, or change target_session_attrs.`
      : attempts.some(({ kind }) => kind === 'no-ssl')
      ? `Turn on SSL on the server (ssl = on), or, where the network is trusted, write sslmode=prefer (SSL when offered) or sslmode=disable instead of sslmode=${target.params.get('sslmode') ?? 'require'}.`
      : unreachableHint,
  });
}

/** A server refused us (user, password, database): libpq stops here, and so do we. */
function connectionError(error: unknown, host: HostAddress, target: DatabaseUrl, before: Attempt[]): PlayLaterError {
  if (error instanceof PlayLaterError) return error;
  const where = describeHost(host);
  const code = (error as { code?: string }).code;
  const message = maskUrl(messageOf(error));
  const details = {
    cause: error,
    data: { url: formatDatabaseUrl(target, 'mask'), hostsTried: [...before.map(({ host: tried, outcome }) => ({ host: describeHost(tried), outcome })), { host: where, outcome: message }] },
  };
  switch (code) {
    case '28P01':
    case '28000':
      return new PlayLaterError('E_AUTH_FAILED', `The server at ${where} refused user "${target.user}": ${message}.`, {
        ...details,
        hint: 'Check the user name and password in DATABASE_URL.',
      });
    case '3D000':
      return new PlayLaterError('E_DATABASE_MISSING', `Database "${target.database}" does not exist on ${where}.`, {
        ...details,
        hint: `Create it first (createdb "${target.database}") or fix the database name in DATABASE_URL.`,
      });
    default:
      break;
  }
  if (/SASL|password/i.test(message)) {
    return new PlayLaterError('E_AUTH_FAILED', `The server at ${where} needs a password for user "${target.user}": ${message}.`, {
      ...details,
      hint: 'Put the password in DATABASE_URL after the user name: user:password@host.',
    });
  }
  return new PlayLaterError('E_DATABASE', `Cannot connect to ${where}: ${message}`, {
    ...details,
    hint: 'Check DATABASE_URL and the server log.',
  });
}
