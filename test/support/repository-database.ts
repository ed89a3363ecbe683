import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { createDatabase, type Database } from '../../src/repositories/connection.js';
import { DataError } from '../../src/repositories/database-errors.js';
import { upsertGame } from '../../src/repositories/games.repository.js';
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

/** The DataError a promise rejects with (fails the test if it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

/** A game to hang collection entries and playthroughs on. */
export async function someGame(db: Kysely<Database>, igdbId: number, title = `Game ${igdbId}`, mainStory: number | null = 20): Promise<string> {
  return (await upsertGame(db, { igdb_id: igdbId, title, main_story: mainStory })).id;
}
