import type pg from 'pg';
import { createTwoFilesPatch } from 'diff';
import type { RoleNames } from '../security/roles.js';
import { describeSchema } from './describe-schema.js';

/**
 * The schema description that check and autogenerate compare: describeSchema with each table's
 * columns, and their comments, in name order. Column order is not compared (as in Alembic): ALTER
 * TABLE can only add a column at the end, so a column declared in the middle of a table could
 * never match, nor could the order of its comment among the others.
 */
export async function describeForComparison(client: pg.Client, roles: Partial<RoleNames> = {}): Promise<string> {
  return describeSchema(client, { columnOrder: 'name', roles });
}

/** A unified diff of two schema descriptions, or undefined when they are the same. */
export function schemaTextDiff(fromName: string, fromText: string, toName: string, toText: string): string | undefined {
  if (fromText === toText) return undefined;
  return createTwoFilesPatch(fromName, toName, fromText, toText, undefined, undefined, { context: 3 });
}
