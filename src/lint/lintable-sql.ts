import type { RevisionSql } from './capture-revision-sql.js';

export interface TimeoutSettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface LintableFile {
  text: string;
  /** The 0-based line where each captured statement starts. */
  statementLines: number[];
}

/**
 * One revision's SQL as the server sees it run: the runner's own timeout settings first (what the
 * executor sends at the start of each transaction), then the statements, inside BEGIN/COMMIT for a
 * transactional revision, so squawk knows that a table created earlier in it is new. A timeout of
 * 0 means none, so it is left out and squawk reports it missing.
 */
export function lintableSql({ revision, statements }: RevisionSql, timeouts: TimeoutSettings): LintableFile {
  const set = revision.transactional ? 'SET LOCAL' : 'SET';
  const lines: string[] = [`-- ${revision.id} (${revision.file})`];
  if (revision.transactional) lines.push('BEGIN;');
  if (timeouts.lockTimeoutMs > 0) lines.push(`${set} lock_timeout = ${Math.trunc(timeouts.lockTimeoutMs)};`);
  if (timeouts.statementTimeoutMs > 0) lines.push(`${set} statement_timeout = ${Math.trunc(timeouts.statementTimeoutMs)};`);
  const statementLines: number[] = [];
  for (const statement of statements) {
    statementLines.push(lines.length);
    const text = statement.trim();
    lines.push(...(/;$/.test(text) ? text : `${text};`).split('\n'));
  }
  if (revision.transactional) lines.push('COMMIT;');
  return { text: `${lines.join('\n')}\n`, statementLines };
}

/** The index of the statement that holds a line of the file (-1: the preamble). */
export function statementAt(file: LintableFile, line: number): number {
  let index = -1;
  for (let i = 0; i < file.statementLines.length && file.statementLines[i]! <= line; i += 1) index = i;
  return index;
}
