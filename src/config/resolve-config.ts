import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PlayLaterError, messageOf } from '../errors.js';
import { DEFAULT_RUNNER_SETTINGS } from '../runner/settings.js';
import { DEFAULT_ROLE_NAMES } from '../security/roles.js';

/**
 * What the seed kept in alembic.ini and env.py, resolved once, in the order
 * flags > environment > config file > defaults.
 */
export interface Config {
  /** libpq URL of the target database; undefined means the embedded server. */
  databaseUrl: string | undefined;
  /** A direct (not pooled) URL, needed by non-transactional revisions behind PgBouncer. */
  directDatabaseUrl: string | undefined;
  revisionsDir: string;
  /** The declared head schema (schema as code): *.sql files applied in name order. */
  schemaDir: string;
  /** Alembic's file_template syntax: %(year)d%(month).2d%(day).2d_%(hour).2d%(minute).2d_%(rev)s (%(slug)s also known) */
  fileTemplate: string;
  timezone: string;
  /** Where the embedded server keeps its data. */
  dataDir: string;
  /** How long a runner waits for another runner before E_LOCK_TIMEOUT. */
  lockWaitMs: number;
  /** lock_timeout for each revision's statements; a lock timeout is retried with growing waits. */
  lockTimeoutMs: number;
  /** How many times a revision is tried when it hits lock_timeout. */
  lockRetries: number;
  /** How long a non-transactional revision's lease outlives its last renewal (docs/pooling-and-locks.md). */
  leaseTtlMs: number;
  /** The longest a revision may stall a replica's replay (src/runner/replica-delay.ts); -1: no check. */
  maxReplayStallMs: number;
  statementTimeoutMs: number;
  backupDir: string;
  backupKeep: number;
  /** Folder of pg_dump/pg_restore to use; default: PATH, then /usr/lib/postgresql/<major>/bin. */
  pgBinDir: string | undefined;
  /** The group roles of docs/roles-and-security.md (src/security/roles.ts): owner, app, read-only. */
  ownerRole: string;
  appRole: string;
  readonlyRole: string;
  /** Where each value came from, for `config` and --verbose. */
  sources: Record<ConfigKey, ConfigSource>;
}

export type ConfigKey = Exclude<keyof Config, 'sources'>;
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export type ConfigInput = Partial<Record<ConfigKey, string | number | undefined>>;

export const CONFIG_FILE_NAME = 'play-later-db.config.json';

/**
 * The seed's file_template ended in _%(rev)s_%(slug)s, but our ids already end with the slug, so
 * every name said it twice (…_013_add_wishlist_add_wishlist.ts); the default drops the second.
 */
export const DEFAULT_FILE_TEMPLATE = '%(year)d%(month).2d%(day).2d_%(hour).2d%(minute).2d_%(rev)s';

const DEFAULTS: Record<ConfigKey, string | number | undefined> = {
  databaseUrl: undefined,
  directDatabaseUrl: undefined,
  revisionsDir: 'migrations',
  schemaDir: 'schema/declared',
  fileTemplate: DEFAULT_FILE_TEMPLATE,
  timezone: 'UTC',
  dataDir: '.play-later',
  ...DEFAULT_RUNNER_SETTINGS,
  backupDir: '.play-later/backups',
  backupKeep: 5,
  pgBinDir: undefined,
  ...DEFAULT_ROLE_NAMES,
};

const ENV_NAMES: Partial<Record<ConfigKey, string>> = {
  databaseUrl: 'DATABASE_URL',
  directDatabaseUrl: 'DIRECT_DATABASE_URL',
  revisionsDir: 'PLAY_LATER_REVISIONS_DIR',
  schemaDir: 'PLAY_LATER_SCHEMA_DIR',
  dataDir: 'PLAY_LATER_DATA_DIR',
  lockWaitMs: 'PLAY_LATER_LOCK_WAIT_MS',
  lockTimeoutMs: 'PLAY_LATER_LOCK_TIMEOUT_MS',
  lockRetries: 'PLAY_LATER_LOCK_RETRIES',
  leaseTtlMs: 'PLAY_LATER_LEASE_TTL_MS',
  maxReplayStallMs: 'PLAY_LATER_MAX_REPLAY_STALL_MS',
  statementTimeoutMs: 'PLAY_LATER_STATEMENT_TIMEOUT_MS',
  backupDir: 'PLAY_LATER_BACKUP_DIR',
  backupKeep: 'PLAY_LATER_BACKUP_KEEP',
  pgBinDir: 'PLAY_LATER_PG_BIN_DIR',
  ownerRole: 'PLAY_LATER_OWNER_ROLE',
  appRole: 'PLAY_LATER_APP_ROLE',
  readonlyRole: 'PLAY_LATER_READONLY_ROLE',
};

/** The command-line flags (main.ts) that set a key: messages name what the user typed. */
const FLAG_NAMES: Partial<Record<ConfigKey, string>> = {
  databaseUrl: '--database-url',
  directDatabaseUrl: '--direct-database-url',
  revisionsDir: '--revisions-dir',
  schemaDir: '--schema-dir',
  lockWaitMs: '--lock-wait',
  lockTimeoutMs: '--lock-timeout',
  statementTimeoutMs: '--statement-timeout',
};

const NUMERIC_KEYS = new Set<ConfigKey>([
  'lockWaitMs',
  'lockTimeoutMs',
  'lockRetries',
  'leaseTtlMs',
  'maxReplayStallMs',
  'statementTimeoutMs',
  'backupKeep',
]);
const PATH_KEYS = new Set<ConfigKey>(['revisionsDir', 'schemaDir', 'dataDir', 'backupDir', 'pgBinDir']);

export interface ResolveOptions {
  flags?: ConfigInput;
  env?: NodeJS.ProcessEnv;
  /** Explicit config file (--config); otherwise play-later-db.config.json in cwd, if present. */
  configFile?: string | undefined;
  cwd?: string;
}

export function resolveConfig(options: ResolveOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const file = readConfigFile(options.configFile, cwd);
  const projectRoot = file.path ? path.dirname(file.path) : cwd;

  const values = {} as Record<ConfigKey, string | number | undefined>;
  const sources = {} as Record<ConfigKey, ConfigSource>;
  for (const key of Object.keys(DEFAULTS) as ConfigKey[]) {
    const envName = ENV_NAMES[key];
    const envValue = envName ? env[envName] : undefined;
    let value: string | number | undefined;
    let source: ConfigSource;
    let base = cwd;
    if (flags[key] !== undefined) {
      value = flags[key];
      source = 'flag';
    } else if (envValue !== undefined && envValue !== '') {
      value = envValue;
      source = 'env';
    } else if (file.values[key] !== undefined) {
      value = file.values[key];
      source = 'file';
      base = projectRoot;
    } else {
      value = DEFAULTS[key];
      source = 'default';
    }
    if (NUMERIC_KEYS.has(key)) value = toWholeNumber(key, value, source);
    if (PATH_KEYS.has(key) && typeof value === 'string') value = path.resolve(base, value);
    values[key] = value;
    sources[key] = source;
  }
  return { ...(values as unknown as Omit<Config, 'sources'>), sources };
}

/**
 * Numbers whose floor is not 0: a lease shorter than a second would lapse between two renewals;
 * maxReplayStallMs -1 turns the replica check off.
 */
const MINIMUMS: Partial<Record<ConfigKey, number>> = { leaseTtlMs: 1_000, maxReplayStallMs: -1 };

function toWholeNumber(key: ConfigKey, value: unknown, source: ConfigSource): number {
  const number = typeof value === 'number' ? value : Number(value);
  const minimum = MINIMUMS[key] ?? 0;
  if (!Number.isInteger(number) || number < minimum) {
    const where = settingName(key, source);
    throw new PlayLaterError('E_CONFIG', `${where} must be a whole number >= ${minimum}${key.endsWith('Ms') ? ' (milliseconds)' : ''}, got ${JSON.stringify(value)}.`, {
      hint: `Fix ${where}, e.g. ${source === 'flag' ? `${where} ${String(DEFAULTS[key])}` : String(DEFAULTS[key])}.`,
    });
  }
  return number;
}

/** How the user set a key: the flag, the environment variable, or the config file's key. */
function settingName(key: ConfigKey, source: ConfigSource): string {
  if (source === 'flag') return FLAG_NAMES[key] ?? key;
  if (source === 'env') return `the environment variable ${ENV_NAMES[key] ?? key}`;
  if (source === 'file') return `"${key}" in ${CONFIG_FILE_NAME}`;
  return key;
}

function readConfigFile(explicit: string | undefined, cwd: string): { path?: string; values: ConfigInput } {
  const filePath = explicit ? path.resolve(cwd, explicit) : path.join(cwd, CONFIG_FILE_NAME);
  if (!existsSync(filePath)) {
    if (explicit) {
      throw new PlayLaterError('E_CONFIG', `Config file ${filePath} does not exist.`, {
        hint: 'Pass the path of an existing JSON config file, or leave --config out.',
      });
    }
    return { values: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (error) {
    throw new PlayLaterError('E_CONFIG', `Config file ${filePath} is not valid JSON: ${messageOf(error)}`, {
      hint: 'Fix the JSON syntax of the config file.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PlayLaterError('E_CONFIG', `Config file ${filePath} must hold a JSON object.`);
  }
  const values: ConfigInput = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in DEFAULTS)) {
      throw new PlayLaterError('E_CONFIG', `Config file ${filePath} has an unknown key "${key}".`, {
        hint: `Known keys: ${Object.keys(DEFAULTS).join(', ')}.`,
      });
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new PlayLaterError('E_CONFIG', `Config key "${key}" in ${filePath} must be a string or a number.`);
    }
    values[key as ConfigKey] = value;
  }
  return { path: filePath, values };
}
