import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PlayLaterError } from '../errors.js';
import { MAX_REVISION_ID_LENGTH, PLACEHOLDER_MARKER } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';

/** Alembic's slug: the words of the message, lower-cased, cut at 40 characters on a word boundary. */
export function slugify(message: string, maxLength = 40): string {
  let slug = (message.match(/\w+/g) ?? []).join('_').toLowerCase();
  if (slug.length > maxLength) slug = `${slug.slice(0, maxLength).replace(/_[^_]*$/, '')}_`;
  return slug;
}

/**
 * The next id: one more than the highest numbered revision (3 digits), a short random suffix, then
 * the slug, at most 32 characters: `013_a1b2_add_wishlist`. Two branches that both add a revision
 * take the same number but not the same id, so both files load side by side, the graph shows two
 * heads, and `merge` joins them, as Alembic's random ids allow.
 */
export function nextRevisionId(graph: RevisionGraph, message: string, suffix = randomBytes(2).toString('hex')): string {
  const highest = Math.max(0, ...[...graph.byId.keys()].map((id) => Number.parseInt(id, 10)).filter(Number.isFinite));
  const prefix = `${String(highest + 1).padStart(3, '0')}_${suffix}_`;
  let slug = slugify(message, MAX_REVISION_ID_LENGTH - prefix.length).replace(/_+$/, '');
  if (!slug) slug = 'revision';
  return `${prefix}${slug}`;
}

/**
 * Renders Alembic's file_template (%(year)d, %(month).2d, %(rev)s, %(slug)s …) for a date seen in
 * `timeZone` (Alembic's `timezone` setting; UTC by default, whatever the machine's local zone).
 */
export function renderFileName(template: string, values: { rev: string; slug: string; date: Date; timeZone?: string }): string {
  const parts: Record<string, number | string> = { ...datePartsIn(values.date, values.timeZone ?? 'UTC'), rev: values.rev, slug: values.slug };
  return template.replace(/%%/g, '%').replace(/%\((\w+)\)(?:\.(\d+))?([ds])/g, (whole, key: string, width: string | undefined, kind: string) => {
    if (!(key in parts)) {
      throw new PlayLaterError('E_CONFIG', `fileTemplate uses unknown field %(${key}) in "${template}".`, {
        hint: 'Known fields: year, month, day, hour, minute, second, rev, slug.',
      });
    }
    const value = parts[key]!;
    return kind === 'd' && width ? String(value).padStart(Number(width), '0') : String(value);
  });
}

function datePartsIn(date: Date, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new PlayLaterError('E_CONFIG', `timezone "${timeZone}" is not a time zone.`, { hint: 'Use an IANA name such as UTC or Europe/Paris.' });
  }
  const found = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, Number(part.value)]));
  return { year: found.year!, month: found.month!, day: found.day!, hour: found.hour!, minute: found.minute!, second: found.second! };
}

export interface NewRevision {
  id: string;
  message: string;
  parents: readonly string[];
  createDate: Date;
  /** False writes `export const transactional = false` (generated revisions with CONCURRENTLY steps). */
  transactional?: boolean;
  /** Bodies of up and down, already indented; none: the template's placeholder (or a merge's nothing). */
  upBody?: string;
  downBody?: string;
}

/** Why a generated revision runs outside one transaction, where it says so. */
const NON_TRANSACTIONAL = `
/**
 * Non-transactional, so that it blocks no one: indexes on existing tables are built CONCURRENTLY
 * outside any transaction, constraints on existing tables are added NOT VALID and validated in a
 * transaction of their own; everything else runs in db.transaction() blocks.
 */
export const transactional = false;
`;

/** What `revision -m` writes for the author: when to go non-transactional, what lint demands. */
const TEMPLATE_GUIDE = ` *
 * Transactional (the default): up() runs in one transaction with the version update, under the
 * runner's lock_timeout (retried on lock timeouts); a failure keeps nothing of it. Keep it so for
 * DDL on small or new tables and for data fixes.
 * Non-transactional: add \`export const transactional = false;\` only for statements that cannot
 * run in a transaction: CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY. Each statement then
 * commits on its own, so write each one to be re-runnable (IF [NOT] EXISTS): after a crash the
 * whole revision runs again. Group DDL that must commit together in db.transaction().
 *
 * \`play-later-db lint\` (squawk) fails the revision on: CREATE INDEX without CONCURRENTLY on an
 * existing table, a constraint or foreign key without NOT VALID (VALIDATE it in a later step), SET
 * NOT NULL or a NOT NULL column without a default, column type changes, and, when
 * non-transactional, statements that cannot be re-run. See docs/revisions.md.`;

function placeholderBody(what: string): string {
  return `  // ${PLACEHOLDER_MARKER}: ${what}, then delete this line and the next; upgrade refuses this file until then.
  await sql\`SELECT 1\`.execute(db); // ${PLACEHOLDER_MARKER}`;
}

export function renderRevisionFile(revision: NewRevision): string {
  const parents =
    revision.parents.length === 0 ? 'null' : revision.parents.length === 1 ? `'${revision.parents[0]}'` : `[${revision.parents.map((p) => `'${p}'`).join(', ')}]`;
  const merge = revision.parents.length > 1 && revision.upBody === undefined;
  const guide = revision.upBody === undefined && !merge ? `\n${TEMPLATE_GUIDE}` : '';
  const up = revision.upBody ?? (merge ? '  // A merge revision joins heads; it has nothing to run.' : placeholderBody('write the change'));
  const down = revision.downBody ?? (merge ? '  // Nothing to undo.' : placeholderBody('write the exact undo of up()'));
  return `/**
 * ${revision.message}
 * Frozen once released: change the schema with a new revision, never by editing this one.${guide}
 */
import { sql, type Kysely } from 'kysely';

export const revision = '${revision.id}';
export const downRevision = ${parents};
export const message = ${JSON.stringify(revision.message)};
export const createDate = '${revision.createDate.toISOString().replace(/\.\d{3}Z$/, 'Z')}';
${revision.transactional === false ? NON_TRANSACTIONAL : ''}
export async function up(db: Kysely<any>): Promise<void> {
${up}
}

export async function down(db: Kysely<any>): Promise<void> {
${down}
}
`;
}

/** Writes a new revision file into the revisions folder; never overwrites. */
export function writeRevisionFile(revisionsDir: string, template: string, revision: NewRevision, timeZone = 'UTC'): string {
  const fileName = `${renderFileName(template, { rev: revision.id, slug: slugify(revision.message), date: revision.createDate, timeZone })}.ts`;
  const file = path.join(revisionsDir, fileName);
  if (existsSync(file)) {
    throw new PlayLaterError('E_REVISION_EXISTS', `${file} already exists.`, { hint: 'Use another message, or wait a minute.' });
  }
  writeFileSync(file, renderRevisionFile(revision), { flag: 'wx' });
  return file;
}
