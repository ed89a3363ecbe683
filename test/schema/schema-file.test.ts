/**
 * schema/schema.sql, the committed description of the schema at head, is fresh: it equals the
 * description of a database at head, on the embedded PostgreSQL 18 and on PostgreSQL 15 when
 * PLAY_LATER_TEST_PG15_URL is set (the description is the same on both).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHeads } from '../../src/runner/version-table.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { SCHEMA_DUMP_COMMAND, SCHEMA_FILE, renderSchemaFile } from '../../src/schema/schema-file.js';
import { requireExternalServer, skipWithoutServer, type TestServer } from '../support/servers.js';
import { PROJECT_ROOT, loadProjectGraph, migrateDatabase } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const STALE = `${SCHEMA_FILE} is stale: run \`${SCHEMA_DUMP_COMMAND}\` and commit the result`;
const databases: TestDatabase[] = [];
afterAll(async () => Promise.all(databases.map((database) => database.drop())));

function committedSchemaFile(): string {
  const file = path.join(PROJECT_ROOT, SCHEMA_FILE);
  if (!existsSync(file)) throw new Error(`${SCHEMA_FILE} is missing: run \`${SCHEMA_DUMP_COMMAND}\` and commit it`);
  return readFileSync(file, 'utf8');
}

async function schemaFileOf(database: TestDatabase): Promise<string> {
  const client = await database.connect();
  return renderSchemaFile(await readHeads(client), await describeSchema(client));
}

async function databaseAtHead(server?: TestServer): Promise<TestDatabase> {
  if (!server) return track(await createTestDatabase({ from: 'head' }));
  const database = track(await createTestDatabase({ from: 'empty', server }));
  await migrateDatabase(database.url, await loadProjectGraph(), 'heads');
  return database;
}

function track(database: TestDatabase): TestDatabase {
  databases.push(database);
  return database;
}

describe(SCHEMA_FILE, () => {
  it('describes the schema at head (embedded PostgreSQL 18)', async () => {
    expect(committedSchemaFile(), STALE).toBe(await schemaFileOf(await databaseAtHead()));
  });

  it.skipIf(skipWithoutServer('pg15'))('describes the schema at head on PostgreSQL 15 too', async () => {
    expect(committedSchemaFile(), `${STALE} (PostgreSQL 15 differs)`).toBe(await schemaFileOf(await databaseAtHead(requireExternalServer('pg15'))));
  });
});
