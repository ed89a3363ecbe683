import pg from 'pg';
import { PlayLaterError, messageOf } from '../errors.js';
import { maskUrl, parseDatabaseUrl } from './database-url.js';

export const CONNECT_TIMEOUT_MS = 10_000;

export type Client = pg.Client;

export interface ConnectOptions {
  connectTimeoutMs?: number;
  applicationName?: string;
}

/** The URL each open connection was made from, for a second connection to the same place. */
const urls = new WeakMap<pg.Client, string>();

/** The URL `client` was opened with by connect(), if it was. */
export function urlOf(client: pg.Client): string | undefined {
  return urls.get(client);
}

/**
 * Opens one connection (the runner never uses a pool) and turns every way connecting can fail
 * into a typed error that names the server and what to do.
 */
export async function connect(rawUrl: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const target = parseDatabaseUrl(rawUrl);
  const client = new pg.Client({
    connectionString: rawUrl,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'play-later-db',
  });
  // An idle connection that the server drops emits 'error'; without a listener Node would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError(error, `${target.host}:${target.port}`, target.database, target.user, rawUrl);
  }
  urls.set(client, rawUrl);
  return client;
}

/** Closes a connection, never throwing: used on every exit path. */
export async function disconnect(client: pg.Client | undefined): Promise<void> {
  if (client) await client.end().catch(() => undefined);
}

function connectionError(error: unknown, where: string, database: string, user: string, rawUrl: string): PlayLaterError {
  const code = (error as { code?: string }).code;
  const message = maskUrl(messageOf(error));
  const details = { cause: error, data: { url: maskUrl(rawUrl) } };
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PlayLaterError('E_CONNECT_UNREACHABLE', `Cannot resolve the database host of ${where}.`, {
        ...details,
        hint: 'Check the host name in DATABASE_URL.',
      });
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
      return new PlayLaterError('E_CONNECT_UNREACHABLE', `No PostgreSQL server answers at ${where} (${code}).`, {
        ...details,
        hint: 'Start the server, or fix the host and port in DATABASE_URL.',
      });
    case '28P01':
    case '28000':
      return new PlayLaterError('E_AUTH_FAILED', `The server at ${where} refused user "${user}": ${message}.`, {
        ...details,
        hint: 'Check the user name and password in DATABASE_URL.',
      });
    case '3D000':
      return new PlayLaterError('E_DATABASE_MISSING', `Database "${database}" does not exist on ${where}.`, {
        ...details,
        hint: `Create it first (createdb "${database}") or fix the database name in DATABASE_URL.`,
      });
    default:
      break;
  }
  if (/timeout/i.test(message)) {
    return new PlayLaterError('E_CONNECT_TIMEOUT', `Connecting to ${where} timed out.`, {
      ...details,
      hint: 'Check that the host is reachable from here (firewall, VPN) and the port is right.',
    });
  }
  if (/SASL|password/i.test(message)) {
    return new PlayLaterError('E_AUTH_FAILED', `The server at ${where} needs a password for user "${user}": ${message}.`, {
      ...details,
      hint: 'Put the password in DATABASE_URL after the user name: user:password@host.',
    });
  }
  return new PlayLaterError('E_DATABASE', `Cannot connect to ${where}: ${message}`, {
    ...details,
    hint: 'Check DATABASE_URL and the server log.',
  });
}
