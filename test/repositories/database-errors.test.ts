import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSTRAINT_RULES, DataError, mapDatabaseError } from '../../src/repositories/database-errors.js';
import { COLUMN_LENGTHS } from '../../src/repositories/validate-input.js';
import { BOOKKEEPING_TABLES } from '../../src/schema/describe-schema.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ from: 'head' });
});
afterAll(async () => database.drop());

describe('the error mapping agrees with the schema at head', () => {
  it('has a rule (field and message) for every CHECK, UNIQUE, PRIMARY KEY and FOREIGN KEY constraint', async () => {
    const client = await database.connect();
    const { rows } = await client.query<{ name: string }>(
      `SELECT k.conname AS name FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND k.contype IN ('c', 'u', 'p', 'f') AND NOT (c.relname = ANY ($1)) ORDER BY 1`,
      [BOOKKEEPING_TABLES],
    );
    const unmapped = rows.map((row) => row.name).filter((name) => !(name in CONSTRAINT_RULES));
    expect(unmapped).toEqual([]);
  });

  it('knows the length of every bounded text column the repositories write', async () => {
    const client = await database.connect();
    const { rows } = await client.query<{ table_name: string; column_name: string; length: number }>(
      `SELECT table_name, column_name, character_maximum_length AS length FROM information_schema.columns
        WHERE table_schema = 'public' AND character_maximum_length IS NOT NULL AND table_name = ANY ($1)`,
      [Object.keys(COLUMN_LENGTHS)],
    );
    const fromCatalog = Object.fromEntries(Object.keys(COLUMN_LENGTHS).map((table) => [table, {} as Record<string, number>]));
    for (const row of rows) fromCatalog[row.table_name]![row.column_name] = row.length;
    for (const [table, columns] of Object.entries(COLUMN_LENGTHS)) {
      for (const [column, length] of Object.entries(columns)) expect(`${table}.${column} ${fromCatalog[table]?.[column]}`).toBe(`${table}.${column} ${length}`);
    }
  });

  it('turns an error raised by the server into a typed error, and leaves other errors alone', async () => {
    const client = await database.connect();
    const raised = await client.query(`SELECT 'x'::uuid`).catch((error: unknown) => error);
    expect(mapDatabaseError(raised)).toMatchObject({ code: 'E_VALIDATION' });
    expect(mapDatabaseError(raised)).toBeInstanceOf(DataError);
    const syntax = await client.query('SELEC 1').catch((error: unknown) => error);
    expect(mapDatabaseError(syntax)).toBe(syntax);
    const bug = new TypeError('a bug');
    expect(mapDatabaseError(bug)).toBe(bug);
  });
});
