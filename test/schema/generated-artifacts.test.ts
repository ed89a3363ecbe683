import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from '../../src/schema/generate-database-types.js';
import { ERD_FILE, erdDocument, generateErd } from '../../src/schema/generate-erd.js';
import { GENERATE_COMMAND } from '../../src/schema/schema-file.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PROJECT_ROOT } from '../support/template-databases.js';

const committed = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

/** The committed generated files must be what the schema at head gives today. */
describe('generated from the schema at head', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ from: 'head' });
  });
  afterAll(async () => database.drop());

  it(`${DATABASE_TYPES_FILE} is fresh (else run ${GENERATE_COMMAND})`, async () => {
    const generated = await generateDatabaseTypes(database.url);
    expect(generated).toContain('export interface DB {');
    expect(committed(DATABASE_TYPES_FILE)).toBe(generated);
  });

  it(`${ERD_FILE} is fresh (else run ${GENERATE_COMMAND})`, async () => {
    const diagram = await generateErd(await database.connect());
    expect(diagram).toMatch(/games \|\|--o\{ user_game_collection : "game_id"/);
    expect(committed(ERD_FILE)).toBe(erdDocument(diagram));
  });
});
