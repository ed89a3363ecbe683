import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeSchema } from '../../src/schema/describe-schema.js';
import type { TestServer } from './servers.js';
import { createTestDatabase } from './test-database.js';

/**
 * A schema description at head in the form of the committed schema/schema.sql (a comment header,
 * a blank line, the description), made from a fresh clone of the head template: what verify
 * compares a database with, independent of whether the committed file is up to date. `tempFolder`:
 * the test file's useTempFolders(), so the file is removed after its tests.
 */
export async function writeHeadSchemaFile(tempFolder: (prefix: string) => string, server?: TestServer): Promise<string> {
  const database = await createTestDatabase({ from: 'head', server });
  try {
    const client = await database.connect();
    const description = await describeSchema(client);
    const file = path.join(tempFolder('plt-schema-'), 'schema.sql');
    writeFileSync(file, `-- The Play Later schema at head, described from the catalogs.\n-- Generated for a test.\n\n${description}`);
    return file;
  } finally {
    await database.drop();
  }
}
