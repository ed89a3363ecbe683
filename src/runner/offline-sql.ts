import { enqueueStatements } from '../background/background-migration.js';
import { revisionRoleSql, type RoleNames } from '../security/roles.js';
import path from 'node:path';
import { PlayLaterError, messageOf } from '../errors.js';
import { MIGRATION_LOCK_KEY } from './migration-lock.js';
import { capturingKysely, OfflineUnsupported, type OfflineRows } from './offline-kysely.js';
import { planSteps, type Direction, type Target } from './plan.js';
import type { Revision } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { CREATE_HISTORY_TABLE_SQL, historyInsertSql } from './revision-history.js';
import { sqlLiteral } from './sql-literal.js';
import { CREATE_VERSION_TABLE_SQL, VERSION_TABLE, versionUpdateSql } from './version-table.js';
import { plural } from '../plural.js';

/** Who the history table names as the runner of offline SQL (the server adds user and application). */
const OFFLINE_HOST = 'offline SQL (play-later-db --sql)';

/**
 * The statements a revision's up or down sends, captured without a database. Queries return no
 * rows. A revision that looks at rows is run a second time with one (empty) row: when its SQL stays
 * the same, it read them only to report (context.log), and the script is right; when the SQL
 * changes, it decides from data, which plain SQL cannot, and it fails with E_OFFLINE_UNSUPPORTED
 * naming it; so does a revision that throws (e.g. because context.offline is true).
 */
export async function offlineRevisionSql(revision: Revision, direction: Direction, log: (message: string) => void = () => undefined): Promise<string[]> {
  const first = await capturePass(revision, direction, 'none', log);
  if (!first.readRows) return first.statements;
  const second = await capturePass(revision, direction, 'one', () => undefined);
  if (second.statements.join('\n') !== first.statements.join('\n')) {
    throw offlineUnsupported(revision, direction, 'its SQL depends on the rows a query returns');
  }
  log(`${revision.id} reads query results only to report them; offline, its report shows no rows.`);
  return first.statements;
}

async function capturePass(
  revision: Revision,
  direction: Direction,
  rows: OfflineRows,
  log: (message: string) => void,
): Promise<{ statements: string[]; readRows: boolean }> {
  const statements: string[] = [];
  const { db, readRows } = capturingKysely(statements, rows);
  try {
    await revision[direction](db, { log, offline: true });
  } catch (error) {
    const reason = error instanceof OfflineUnsupported ? error.message : readRows() ? `it reads the rows of a query and fails without them (${messageOf(error)})` : messageOf(error);
    throw offlineUnsupported(revision, direction, reason);
  }
  return { statements, readRows: readRows() };
}

function offlineUnsupported(revision: Revision, direction: Direction, reason: string): PlayLaterError {
  const command = direction === 'up' ? 'upgrade' : 'downgrade';
  return new PlayLaterError('E_OFFLINE_UNSUPPORTED', `Revision ${revision.id} (${path.basename(revision.file)}) cannot be rendered as offline SQL: ${reason}.`, {
    hint: `Its ${command} decides from data in the database, so it must run online (play-later-db ${command} without --sql); or render only the revisions around it with a from:to range.`,
    data: { revision: revision.id, file: revision.file },
  });
}

export interface OfflineOptions {
  graph: RevisionGraph;
  /** The version table's content the script starts from (offline, nothing is read). */
  fromHeads: readonly string[];
  target: Target;
  log?: (message: string) => void;
  /** The configured role names (revision 013 reads them); the defaults otherwise. */
  roles?: Partial<RoleNames>;
}

/**
 * The complete script of an upgrade or downgrade, as the online runner would run it: each revision
 * in its own transaction with the migration lock, a guard that the database is where the script
 * expects, the revision's statements, the version update and the history row. Non-transactional
 * revisions run outside a transaction, their bookkeeping in one after them.
 */
export async function renderOfflineSql(options: OfflineOptions): Promise<string> {
  const { graph, target } = options;
  let applied = graph.appliedFrom(options.fromHeads);
  let heads = graph.headsOf(applied);
  const steps = planSteps(graph, applied, target);
  // As online: the role-name settings, and the owner role once revision 013 made it (security/roles.ts).
  const asOwner = `${revisionRoleSql(options.roles ?? {}, 'LOCAL')};`;
  const lines = [
    `-- play-later-db offline SQL: ${target.direction === 'up' ? 'upgrade' : 'downgrade'} from ${heads.join(', ') || '<base>'} to ${target.description} (${plural(steps.length, 'revision')}).`,
    '-- Run it with: psql -v ON_ERROR_STOP=1 -f <this file>. Each revision commits on its own; a guard stops the script',
    '-- when the database is not at the revision it expects.',
    '',
    `${CREATE_VERSION_TABLE_SQL};`,
    '',
    `${CREATE_HISTORY_TABLE_SQL};`,
  ];
  for (const step of steps) {
    const next = new Set(applied);
    if (step.direction === 'up') next.add(step.revision.id);
    else next.delete(step.revision.id);
    const nextHeads = graph.headsOf(next);
    const body = (await offlineRevisionSql(step.revision, step.direction, options.log)).map(terminated);
    // As online: a revision's background migrations are queued with its new head (then `background run`).
    const queued = step.direction === 'up' ? enqueueStatements(step.revision.id, step.revision.background).map((statement) => `${statement};`) : [];
    const bookkeeping = [
      ...versionUpdateSql(heads, nextHeads).map((statement) => `${statement};`),
      `${historyInsertSql({ revision: step.revision, direction: step.direction, host: OFFLINE_HOST })};`,
    ];
    lines.push('', `-- Running ${step.direction === 'up' ? 'upgrade' : 'downgrade'} ${heads.join(', ') || '<base>'} -> ${nextHeads.join(', ') || '<base>'}: ${step.revision.id}, ${step.revision.message}`);
    if (step.revision.transactional) {
      lines.push('BEGIN;', `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});`, guardSql(heads), asOwner, ...body, ...queued, ...bookkeeping, 'COMMIT;');
    } else {
      // The session form of the same lock: psql is one session (use a direct, non-pooled connection).
      lines.push(
        '-- Non-transactional revision: its statements run outside a transaction (e.g. CREATE INDEX CONCURRENTLY).',
        `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY});`,
        guardSql(heads),
        ...body.flatMap((statement) => (statement === 'BEGIN;' ? [statement, asOwner] : [statement])),
        'BEGIN;',
        ...bookkeeping,
        // Queued as the owner role, as online (non-transactional-step.ts).
        ...(queued.length > 0 ? [asOwner, ...queued] : []),
        'COMMIT;',
        `SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY});`,
      );
    }
    applied = next;
    heads = nextHeads;
  }
  return `${lines.join('\n')}\n`;
}

/** Stops the script (with ON_ERROR_STOP) when the version table does not hold what it expects. */
function guardSql(expected: readonly string[]): string {
  const found = `(SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '') FROM ${VERSION_TABLE})`;
  const wanted = sqlLiteral([...expected].sort().join(','));
  return `DO $play_later_guard$ BEGIN IF ${found} <> ${wanted} THEN RAISE EXCEPTION 'play-later-db: this script expects the database at %, it is at %', ${wanted}, ${found}; END IF; END $play_later_guard$;`;
}

/** A statement as it goes in a script: one terminating semicolon, never hidden in a trailing comment. */
function terminated(statement: string): string {
  const text = statement.trim();
  if (text.endsWith(';')) return text;
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  return lastLine.includes('--') ? `${text}\n;` : `${text};`;
}
