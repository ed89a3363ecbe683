import type { Kysely } from 'kysely';
import { createDatabase, type Database } from '../../src/repositories/connection.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface RepositoryTestDatabase {
  db: Kysely<Database>;
  /** Every SQL statement sent through db, in order; clear it with sent.length = 0. */
  sent: string[];
  database: TestDatabase;
  close(): Promise<void>;
}

/** A head-template clone with a Kysely on it that records the SQL it sends. */
export async function createRepositoryTestDatabase(): Promise<RepositoryTestDatabase> {
  const database = await createTestDatabase({ from: 'head' });
  const sent: string[] = [];
  const db = createDatabase(database.url, {
    log: (event) => {
      if (event.level === 'query') sent.push(event.query.sql);
    },
  });
  return {
    db,
    sent,
    database,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}
