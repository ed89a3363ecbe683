import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { createDatabase, type Database } from '../../src/repositories/connection.js';
import { DataError } from '../../src/repositories/database-errors.js';
import { upsertGame } from '../../src/repositories/games.repository.js';
import { urlAs } from './role-logins.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface RepositoryTestDatabase {
  db: Kysely<Database>;
  /**
   * The maintenance path (every user's stats, session cleanup, checks of what is stored): the
   * superuser, which row-level security does not restrict, as the owner in production.
   */
  maintenance: Kysely<Database>;
  /** Every SQL statement sent through db, in order; clear it with sent.length = 0. */
  sent: string[];
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * A head-template clone with a Kysely on it logged in as the app role, and one as the owner for
 * maintenance paths, both recording the SQL they send; the app role (row-level security applies, as in production); `database.connect()` stays the superuser.
 */
export async function createRepositoryTestDatabase(): Promise<RepositoryTestDatabase> {
  const database = await createTestDatabase({ from: 'head' });
  const sent: string[] = [];
  const log = { log: (event: { level: string; query: { sql: string } }) => void (event.level === 'query' && sent.push(event.query.sql)) };
  const db = createDatabase(urlAs(database.url, 'app'), log);
  const maintenance = createDatabase(database.url, log);
  return {
    db,
    maintenance,
    sent,
    database,
    async close() {
      await db.destroy();
      await maintenance.destroy();
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
