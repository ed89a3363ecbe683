import type pg from 'pg';
import { commentStatements, readComments } from './comment-diff.js';
import type { DeclaredAndHead } from './declared-and-head.js';
import { revisionRoleSql } from '../security/roles.js';
import { migraStatements } from './migra-diff.js';
import { recreatedPrivilegeStatements } from './privilege-diff.js';
import { describeForComparison, schemaTextDiff } from './schema-text-diff.js';

export interface SchemaChange {
  /** From the head revision's schema to the declared one. */
  up: string[];
  /** Back from the declared schema to the head revision's. */
  down: string[];
  /**
   * What applying up (then down) to a copy of head still leaves different, as unified diffs:
   * empty when the statements were verified to reproduce both schemas exactly.
   */
  unverified: string[];
}

/**
 * The change that takes the head revision's schema to the declared one, and back; undefined when
 * the two are the same. Structure comes from migra, comments from the catalogs; then both
 * directions are replayed on the head scratch database (and rolled back) to prove they are exact.
 */
export async function computeSchemaChange({ declared, head }: DeclaredAndHead): Promise<SchemaChange | undefined> {
  const declaredText = await describeForComparison(declared.client);
  const headText = await describeForComparison(head.client);
  if (declaredText === headText) return undefined;
  const [upStructure, downStructure] = await Promise.all([migraStatements(head.url, declared.url), migraStatements(declared.url, head.url)]);
  const [headComments, declaredComments] = [await readComments(head.client), await readComments(declared.client)];
  const up = [
    ...upStructure,
    ...commentStatements(headComments, declaredComments, recreatedOwners(upStructure)),
    ...recreatedPrivilegeStatements(declaredText, recreatedOwners(upStructure)),
  ];
  const down = [
    ...downStructure,
    ...commentStatements(declaredComments, headComments, recreatedOwners(downStructure)),
    ...recreatedPrivilegeStatements(headText, recreatedOwners(downStructure)),
  ];
  return { up, down, unverified: await replay(head.client, up, down, declaredText, headText) };
}

/** Names of the tables, views and functions a statement list drops (and may create again). */
export function recreatedOwners(statements: readonly string[]): Set<string> {
  const owners = new Set<string>();
  for (const statement of statements) {
    const match = /^drop\s+(?:materialized\s+view|view|table|function|procedure)\s+(?:if\s+exists\s+)?(?:"?\w+"?\.)?"?([\w$]+)"?/i.exec(statement);
    if (match) owners.add(match[1]!);
  }
  return owners;
}

async function replay(client: pg.Client, up: readonly string[], down: readonly string[], declaredText: string, headText: string): Promise<string[]> {
  const problems: string[] = [];
  await client.query('BEGIN');
  try {
    // As the runner will run the revision: as the owner role, so what it creates gets the default privileges.
    await client.query(revisionRoleSql({}, 'LOCAL'));
    for (const [statements, expected, name] of [
      [up, declaredText, 'up'],
      [down, headText, 'down'],
    ] as const) {
      try {
        for (const statement of statements) await client.query(statement);
      } catch (error) {
        problems.push(`${name} fails: ${(error as Error).message}`);
        break;
      }
      const diff = schemaTextDiff(`after ${name}`, await describeForComparison(client), name === 'up' ? 'declared schema' : 'head', expected);
      if (diff) problems.push(diff);
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return problems;
}
