import type pg from 'pg';
import { isPlayLaterError, PlayLaterError } from '../errors.js';
import type { Config } from '../config/resolve-config.js';
import { connect, disconnect } from './connect.js';
import './date-values.js'; // DATE as stored, in every time zone
import { displayDatabaseUrl, maskSecrets, parseDatabaseUrl } from './database-url.js';
import type { EmbeddedServer } from './embedded-server.js';
import { findServedServer } from './served-server.js';

export interface SessionOptions {
  /** Print every statement (passwords of URLs and PASSWORD clauses masked) through this function. */
  echoSql?: (statement: string) => void;
  log?: (line: string) => void;
  /** Warnings for the user (shown at the default verbosity). */
  warn?: (line: string) => void;
  /** The command's environment (default: the process's), read for libpq's variables. */
  env?: NodeJS.ProcessEnv;
  /**
   * The command only reads, so a standby will do. Otherwise a read-only server (a standby, or
   * default_transaction_read_only) is refused with E_READ_ONLY_SERVER before anything is sent.
   */
  readOnly?: boolean;
}

export interface DatabaseSession {
  client: pg.Client;
  /** The URL in use, password masked. */
  displayUrl: string;
  /** The real URL, for tools that need it (pg_dump, a second connection). */
  url: string;
  embedded: EmbeddedServer | undefined;
}

/**
 * Runs `work` with one connection to the configured database: DATABASE_URL when set, otherwise the
 * embedded server: the one `serve` keeps running, else one started for this call and stopped after
 * it on every path.
 */
export async function withDatabase<T>(config: Config, options: SessionOptions, work: (session: DatabaseSession) => Promise<T>): Promise<T> {
  let embedded: EmbeddedServer | undefined;
  let client: pg.Client | undefined;
  try {
    let url: string;
    const served = config.databaseUrl ? undefined : findServedServer(config.dataDir);
    if (!config.databaseUrl) warnOfIgnoredPgVariables(served ? 'served' : 'embedded', options.env ?? process.env, options.warn);
    if (config.databaseUrl) {
      parseDatabaseUrl(config.databaseUrl);
      url = config.databaseUrl;
    } else if (served) {
      url = served.url;
    } else {
      const { EMBEDDED_DATABASE, startEmbeddedServer } = await import('./embedded-server.js'); // not loaded when a URL is given
      embedded = await startEmbeddedServer({ dataDir: config.dataDir, database: EMBEDDED_DATABASE, log: options.log });
      url = embedded.urlFor(EMBEDDED_DATABASE);
    }
    client = await connect(url, { requireWritable: !options.readOnly });
    if (options.echoSql) echoStatements(client, options.echoSql);
    const shown = displayDatabaseUrl(url);
    const displayUrl = embedded ? `embedded ${shown}` : served ? `served ${shown}` : shown;
    return await work({ client, url, displayUrl, embedded }).catch((error: unknown) => {
      throw namingTheDatabase(error, displayUrl);
    });
  } finally {
    await disconnect(client);
    await embedded?.stop();
  }
}

function echoStatements(client: pg.Client, echo: (statement: string) => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
    if (text) echo(maskSecrets(text.trim()));
    return query(...args);
  };
}

/** libpq's server variables, which a libpq user may expect to choose the server. */
const PG_SERVER_VARIABLES = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGSERVICE'];

/**
 * Without DATABASE_URL the command uses the local database, whatever PGHOST and the like say: a
 * user who set them for psql is told, rather than left to believe that server was migrated.
 */
function warnOfIgnoredPgVariables(local: 'served' | 'embedded', env: NodeJS.ProcessEnv, warn: ((line: string) => void) | undefined): void {
  const set = PG_SERVER_VARIABLES.filter((name) => env[name]);
  if (set.length === 0 || !warn) return;
  warn(
    `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, but play-later-db takes the server from DATABASE_URL only: without it, this uses the ${local} database. To use that server, set DATABASE_URL (e.g. postgresql://user@host:5432/dbname; docs/connection-strings.md).`,
  );
}

/** Errors about what a database holds say which database it is (the embedded one, after a branch switch, surprises). */
function namingTheDatabase(error: unknown, displayUrl: string): unknown {
  if (!isPlayLaterError(error) || error.code !== 'E_VERSION_UNKNOWN') return error;
  return new PlayLaterError(error.code, `${error.message.replace(/^The database /, `The database ${displayUrl} `)}`, { hint: error.hint, data: error.data, cause: error.cause });
}
