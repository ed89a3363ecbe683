/**
 * schema/schema.sql, the committed description of the schema at head, is fresh: it equals the
 * description of a database at head, on the embedded PostgreSQL 18 and on PostgreSQL 15 (required
 * under CI): the description is the same on both.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readHeads } from '../../src/runner/version-table.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { GENERATE_COMMAND, SCHEMA_FILE, renderSchemaFile } from '../../src/schema/schema-file.js';
import { describeOnEachServer } from '../support/servers.js';
import { PROJECT_ROOT } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const STALE = `${SCHEMA_FILE} is stale: run \`${GENERATE_COMMAND}\` and commit the result`;
const databases: TestDatabase[] = [];
afterAll(async () => Promise.all(databases.map((database) => database.drop())));

function committedSchemaFile(): string {
  const file = path.join(PROJECT_ROOT, SCHEMA_FILE);
  if (!existsSync(file)) throw new Error(`${SCHEMA_FILE} is missing: run \`${GENERATE_COMMAND}\` and commit it`);
  return readFileSync(file, 'utf8');
}

describeOnEachServer(
  SCHEMA_FILE,
  (server) => {
    it('describes the schema at head', async () => {
      const database = await createTestDatabase({ from: 'head', server });
      databases.push(database);
      const client = await database.connect();
      const current = renderSchemaFile(await readHeads(client), await describeSchema(client));
      expect(committedSchemaFile(), `${STALE} (checked on ${server.name})`).toBe(current);
    });
  },
  { kinds: ['embedded', 'pg15'] },
);
