import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PlayLaterError } from '../errors.js';
import { MAX_REVISION_ID_LENGTH } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';

/** Alembic's slug: the words of the message, lower-cased, cut at 40 characters on a word boundary. */
export function slugify(message: string, maxLength = 40): string {
  let slug = (message.match(/\w+/g) ?? []).join('_').toLowerCase();
  if (slug.length > maxLength) slug = `${slug.slice(0, maxLength).replace(/_[^_]*$/, '')}_`;
  return slug;
}

/** The next id: one more than the highest numbered revision, 3 digits, then the slug, ≤ 32 characters. */
export function nextRevisionId(graph: RevisionGraph, message: string): string {
  const highest = Math.max(0, ...[...graph.byId.keys()].map((id) => Number.parseInt(id, 10)).filter(Number.isFinite));
  const prefix = `${String(highest + 1).padStart(3, '0')}_`;
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
  /** Bodies of up and down, already indented; empty for a hand-written revision. */
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

export function renderRevisionFile(revision: NewRevision): string {
  const parents =
    revision.parents.length === 0 ? 'null' : revision.parents.length === 1 ? `'${revision.parents[0]}'` : `[${revision.parents.map((p) => `'${p}'`).join(', ')}]`;
  return `/**
 * ${revision.message}
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

export const revision = '${revision.id}';
export const downRevision = ${parents};
export const message = ${JSON.stringify(revision.message)};
export const createDate = '${revision.createDate.toISOString().replace(/\.\d{3}Z$/, 'Z')}';
${revision.transactional === false ? NON_TRANSACTIONAL : ''}
export async function up(db: Kysely<any>): Promise<void> {
${revision.upBody ?? '  await sql`SELECT 1`.execute(db); // replace with the change'}
}

export async function down(db: Kysely<any>): Promise<void> {
${revision.downBody ?? '  await sql`SELECT 1`.execute(db); // replace with the exact undo of up()'}
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
