import type pg from 'pg';
import { commentStatements, readComments } from './comment-diff.js';
import type { DeclaredAndHead } from './declared-and-head.js';
import { migraChange } from './migra-diff.js';
import { fitsOneTransaction, onlineSteps, type OnlineStep } from './online-steps.js';
import { revisionRoleSql } from '../security/roles.js';
import { recreatedPrivilegeStatements } from './privilege-diff.js';
import { describeForComparison, schemaTextDiff } from './schema-text-diff.js';

export interface SchemaChange {
  /** From the head revision's schema to the declared one. */
  up: OnlineStep[];
  /** Back from the declared schema to the head revision's. */
  down: OnlineStep[];
  /** False when a direction needs a statement outside a transaction (CONCURRENTLY). */
  transactional: boolean;
  /**
   * What applying up (then down) to a copy of head still leaves different, as unified diffs:
   * empty when the statements were verified to reproduce both schemas exactly.
   */
  unverified: string[];
}

/**
 * The change that takes the head revision's schema to the declared one, and back; undefined when
 * the two are the same. Structure comes from migra, comments from the catalogs, arranged in online
 * steps (online-steps.ts); then both directions are run on the head scratch database, step by step
 * as the revision will run them, to prove they are exact. The head database is spent afterwards.
 */
export async function computeSchemaChange({ declared, head }: DeclaredAndHead): Promise<SchemaChange | undefined> {
  const declaredText = await describeForComparison(declared.client);
  const headText = await describeForComparison(head.client);
  if (declaredText === headText) return undefined;
  const structure = await migraChange(head.url, declared.url);
  const [headComments, declaredComments] = [await readComments(head.client), await readComments(declared.client)];
  const up = onlineSteps([
    ...structure.up,
    ...commentStatements(headComments, declaredComments, recreatedOwners(structure.up)),
    ...recreatedPrivilegeStatements(declaredText, recreatedOwners(structure.up)),
  ]);
  const down = onlineSteps([
    ...structure.down,
    ...commentStatements(declaredComments, headComments, recreatedOwners(structure.down)),
    ...recreatedPrivilegeStatements(headText, recreatedOwners(structure.down)),
  ]);
  const transactional = fitsOneTransaction(up) && fitsOneTransaction(down);
  return { up, down, transactional, unverified: await replay(head.client, up, down, declaredText, headText) };
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

async function replay(client: pg.Client, up: readonly OnlineStep[], down: readonly OnlineStep[], declaredText: string, headText: string): Promise<string[]> {
  const problems: string[] = [];
  for (const [steps, expected, name] of [
    [up, declaredText, 'up'],
    [down, headText, 'down'],
  ] as const) {
    try {
      for (const step of steps) await runStep(client, step);
    } catch (error) {
      problems.push(`${name} fails: ${(error as Error).message}`);
      break;
    }
    const diff = schemaTextDiff(`after ${name}`, await describeForComparison(client), name === 'up' ? 'declared schema' : 'head', expected);
    if (diff) problems.push(diff);
  }
  return problems;
}

async function runStep(client: pg.Client, step: OnlineStep): Promise<void> {
  if (step.kind === 'alone') {
    await client.query(step.statement);
    return;
  }
  await client.query('BEGIN');
  try {
    // As the runner runs a revision's transactions: as the owner role, so what it creates gets the default privileges.
    await client.query(revisionRoleSql({}, 'LOCAL'));
    for (const statement of step.statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
