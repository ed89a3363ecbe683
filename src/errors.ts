/**
 * Typed errors with stable codes. Every error a user can cause is a PlayLaterError: the CLI renders
 * it in one place (src/cli/render.ts) without a stack trace. Anything else is a bug and keeps its stack.
 */

export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_URL_MALFORMED'
  | 'E_CONNECT_UNREACHABLE'
  | 'E_CONNECT_TIMEOUT'
  | 'E_AUTH_FAILED'
  | 'E_DATABASE_MISSING'
  | 'E_DATABASE'
  | 'E_EMBEDDED_START'
  | 'E_EMBEDDED_BUSY'
  | 'E_REVISION_UNKNOWN'
  | 'E_REVISION_AMBIGUOUS'
  | 'E_REVISION_RANGE'
  | 'E_REVISION_INVALID'
  | 'E_REVISION_LOAD'
  | 'E_REVISION_FAILED'
  | 'E_REVISION_EXISTS'
  | 'E_DOWNGRADE_AT_BASE'
  | 'E_MULTIPLE_HEADS'
  | 'E_VERSION_UNKNOWN'
  | 'E_GRAPH_DUPLICATE'
  | 'E_GRAPH_CYCLE'
  | 'E_GRAPH_MISSING_PARENT'
  | 'E_LOCK_TIMEOUT'
  | 'E_CHECKSUM_MISMATCH'
  | 'E_OFFLINE_UNSUPPORTED'
  | 'E_DIRECT_URL_REQUIRED'
  | 'E_BACKUP'
  | 'E_RESTORE'
  | 'E_VERIFY_FAILED'
  | 'E_DRIFT'
  | 'E_SCHEMA_DECLARATION'
  | 'E_LINT'
  | 'E_VALIDATION'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_KEY_MISSING'
  | 'E_TOKEN_INVALID'
  | 'E_CONFIRMATION_REQUIRED';

/** Exit status: 1 for database or revision failures, 2 for usage errors. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_USAGE',
  'E_CONFIG',
  'E_URL_MALFORMED',
  'E_REVISION_UNKNOWN',
  'E_REVISION_AMBIGUOUS',
  'E_REVISION_RANGE',
  'E_DOWNGRADE_AT_BASE',
  'E_MULTIPLE_HEADS',
  'E_VALIDATION',
  'E_CONFIRMATION_REQUIRED',
]);

export interface ErrorDetails {
  /** What the user should do about it. */
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts, included in --json output. */
  data?: Record<string, unknown>;
}

export class PlayLaterError extends Error {
  override readonly name: string = 'PlayLaterError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint;
    this.data = details.data;
  }

  get exitCode(): 1 | 2 {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

export function isPlayLaterError(error: unknown): error is PlayLaterError {
  return error instanceof PlayLaterError;
}

/** The message of any thrown value, for wrapping. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
