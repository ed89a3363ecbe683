import type { Kysely } from 'kysely';
import type { BackgroundMigrationSpec } from '../background/background-migration.js';
import { PlayLaterError } from '../errors.js';

/** What a revision's up/down receive besides the connection. */
export interface RevisionContext {
  /** Report something the operator should read (e.g. how many rows a data fix changed). */
  log(message: string): void;
  /** True while rendering offline SQL (--sql): nothing is executed, so nothing can be read. */
  offline: boolean;
}

export type RevisionStep = (db: Kysely<any>, context: RevisionContext) => Promise<void>;

/** A revision file, as its module exports it. */
export interface RevisionModule {
  revision: string;
  downRevision: string | readonly string[] | null;
  dependsOn?: string | readonly string[] | null;
  branchLabels?: string | readonly string[] | null;
  message: string;
  /** ISO 8601 UTC, e.g. 2024-03-15T10:30:00Z */
  createDate: string;
  /** false: runs outside a transaction (CREATE INDEX CONCURRENTLY and the like). */
  transactional?: boolean;
  /** Batched data changes recorded when the revision is applied, run by `background run`. */
  background?: readonly BackgroundMigrationSpec[];
  /** Background migrations that must be finished before this revision may run. */
  requiresBackground?: string | readonly string[];
  /**
   * true: relies on session state across statements (SET without LOCAL, temporary tables, session
   * advisory locks, LISTEN), so it cannot run through a transaction pooler: the runner refuses to
   * start without DIRECT_DATABASE_URL (E_DIRECT_URL_REQUIRED).
   */
  needsDirectConnection?: boolean;
  up: RevisionStep;
  down: RevisionStep;
}

/** A loaded, validated revision. */
export interface Revision {
  id: string;
  parents: readonly string[];
  dependsOn: readonly string[];
  branchLabels: readonly string[];
  message: string;
  createDate: Date;
  transactional: boolean;
  background: readonly BackgroundMigrationSpec[];
  requiresBackground: readonly string[];
  needsDirectConnection?: boolean;
  /** File it was loaded from, and the sha256 of its source text. */
  file: string;
  checksum: string;
  /** The file still holds the placeholder of `revision -m`'s template: upgrading to it is refused. */
  placeholder?: boolean;
  up: RevisionStep;
  down: RevisionStep;
}

/** Written by `revision -m` where the change goes; a file that still holds it is not finished. */
export const PLACEHOLDER_MARKER = 'PLACEHOLDER(play-later-db)';

/** The width of alembic_version.version_num. */
export const MAX_REVISION_ID_LENGTH = 32;
export const REVISION_ID_PATTERN = /^[0-9]{3,}_[a-z0-9_]+$/;

const KNOWN_EXPORTS = new Set([
  'revision',
  'downRevision',
  'dependsOn',
  'branchLabels',
  'message',
  'createDate',
  'transactional',
  'background',
  'requiresBackground',
  'needsDirectConnection',
  'up',
  'down',
]);
const REQUIRED_EXPORTS = ['revision', 'downRevision', 'message', 'createDate', 'up', 'down'];

/** Checks a module's exports strictly: a missing or unknown field is an error, never ignored. */
export function toRevision(exports: Record<string, unknown>, file: string, checksum: string): Revision {
  const invalid = (problem: string): PlayLaterError =>
    new PlayLaterError('E_REVISION_INVALID', `Revision file ${file}: ${problem}`, {
      hint: 'A revision exports revision, downRevision, message, createDate, up, down and optionally dependsOn, branchLabels, transactional, needsDirectConnection.',
      data: { file },
    });
  for (const name of Object.keys(exports)) {
    if (!KNOWN_EXPORTS.has(name)) throw invalid(`unknown export "${name}".`);
  }
  for (const name of REQUIRED_EXPORTS) {
    if (!(name in exports)) throw invalid(`missing export "${name}".`);
  }
  const id = exports.revision;
  if (typeof id !== 'string' || id.length === 0) throw invalid('"revision" must be a non-empty string.');
  if (id.length > MAX_REVISION_ID_LENGTH) {
    throw invalid(`revision id "${id}" is longer than ${MAX_REVISION_ID_LENGTH} characters (the width of alembic_version.version_num).`);
  }
  if (typeof exports.message !== 'string') throw invalid('"message" must be a string.');
  const createDate = new Date(String(exports.createDate));
  if (typeof exports.createDate !== 'string' || Number.isNaN(createDate.getTime())) {
    throw invalid('"createDate" must be an ISO 8601 date string.');
  }
  if (typeof exports.up !== 'function' || typeof exports.down !== 'function') throw invalid('"up" and "down" must be functions.');
  for (const flag of ['transactional', 'needsDirectConnection'] as const) {
    if (exports[flag] !== undefined && typeof exports[flag] !== 'boolean') throw invalid(`"${flag}" must be true or false.`);
  }
  return {
    id,
    parents: idList(exports.downRevision, 'downRevision', invalid),
    dependsOn: idList(exports.dependsOn, 'dependsOn', invalid),
    branchLabels: idList(exports.branchLabels, 'branchLabels', invalid),
    message: exports.message,
    createDate,
    transactional: exports.transactional !== false,
    background: backgroundSpecs(exports.background, invalid),
    requiresBackground: idList(exports.requiresBackground, 'requiresBackground', invalid),
    needsDirectConnection: exports.needsDirectConnection === true,
    file,
    checksum,
    up: exports.up as RevisionStep,
    down: exports.down as RevisionStep,
  };
}

function idList(value: unknown, name: string, invalid: (problem: string) => PlayLaterError): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...(value as string[])];
  throw invalid(`"${name}" must be null, a revision id or a list of revision ids.`);
}

function backgroundSpecs(value: unknown, invalid: (problem: string) => PlayLaterError): BackgroundMigrationSpec[] {
  if (value === undefined || value === null) return [];
  const valid = (spec: unknown): spec is BackgroundMigrationSpec => {
    const candidate = spec as Partial<BackgroundMigrationSpec>;
    return (
      typeof candidate?.name === 'string' &&
      typeof candidate.table === 'string' &&
      typeof candidate.set === 'string' &&
      Array.isArray(candidate.keyColumns) &&
      candidate.keyColumns.length > 0 &&
      candidate.keyColumns.every((column) => typeof column === 'string')
    );
  };
  if (!Array.isArray(value) || !value.every(valid)) throw invalid('"background" must be a list of { name, table, keyColumns, set, where?, batchSize? }.');
  return [...value];
}
