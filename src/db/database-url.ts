import { PlayLaterError } from '../errors.js';

/** The parts of a libpq URL (postgresql://user:pass@host:port/db?...) that the toolkit needs. */
export interface DatabaseUrl {
  url: string;
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  params: URLSearchParams;
}

/** Validates a libpq-form URL and names what is wrong with it. */
export function parseDatabaseUrl(raw: string): DatabaseUrl {
  const masked = maskUrl(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw malformed(`"${masked}" is not a URL.`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw malformed(`"${masked}" uses the scheme "${url.protocol.replace(/:$/, '')}"; expected postgresql://.`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw malformed(`"${masked}" names no database (the path after host:port).`);
  if (database.includes('/')) throw malformed(`"${masked}" has a "/" in its database name.`);
  const host = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || url.searchParams.get('host') || '';
  if (!host) throw malformed(`"${masked}" names no host.`);
  const port = url.port ? Number(url.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw malformed(`"${masked}" has an invalid port.`);
  return {
    url: raw,
    host,
    port,
    user: decodeURIComponent(url.username) || process.env.PGUSER || 'postgres',
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    params: url.searchParams,
  };
}

/** The same URL pointing at another database on the same server. */
export function withDatabase(raw: string, database: string): string {
  const url = new URL(raw);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * Replaces the password of every URL in a text (any scheme: a mistyped mysql:// URL holds a real
 * password too), so that no message or log shows it. The password runs to the last @ of the URL,
 * so an unencoded @ in it is masked as well.
 */
export function maskUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s"']*:)[^\s"']*@/gi, '$1***@');
}

/** maskUrl, and the literal of every PASSWORD clause (CREATE/ALTER ROLE … PASSWORD '…'): for echoed SQL. */
export function maskSecrets(sql: string): string {
  return maskUrl(sql).replace(/\b(PASSWORD\s+)'(?:[^']|'')*'/gi, "$1'***'");
}

function malformed(message: string): PlayLaterError {
  return new PlayLaterError('E_URL_MALFORMED', `Malformed DATABASE_URL: ${message}`, {
    // Worded so that maskUrl, which every rendered hint passes through, leaves the example readable.
    hint: 'Use the libpq form postgresql://user@host:5432/database, with the password after the user name (user:password@host) and special characters percent-encoded.',
  });
}
