/**
 * The seed's two tests (tests/test_migrations.py), ported, each on an isolated database of its own
 * and fixed as docs/seed-notes.md says: the migrations run on the database that is checked (never the
 * developer's), each expected violation asserts the constraint that fired by name and runs in its own
 * savepoint (so a second case cannot pass on "current transaction is aborted"), and nothing stays behind.
 */
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { violatedConstraint } from '../support/rows.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const EXPECTED_TABLES = ['games', 'user_game_collection', 'game_playthrough', 'user_sessions'];
const databases: TestDatabase[] = [];
afterAll(async () => Promise.all(databases.map((database) => database.drop())));

async function isolatedDatabase(from: 'empty' | 'head'): Promise<TestDatabase> {
  const database = await createTestDatabase({ from });
  databases.push(database);
  return database;
}

async function publicTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

describe("the seed's tests", () => {
  it('test_migrations_up_and_down: upgrade head creates the tables, downgrade base removes them', async () => {
    const database = await isolatedDatabase('empty');
    const client = await database.connect();
    const cli = (...args: string[]) => runCli([...args, '--database-url', database.url], { env: { DATABASE_URL: undefined } });

    const upgrade = await cli('upgrade', 'head');
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const tables = await publicTables(client);
    for (const table of EXPECTED_TABLES) expect(tables, `Table ${table} not found`).toContain(table);

    const downgrade = await cli('downgrade', 'base');
    expect(downgrade.code, downgrade.stderr).toBe(0);
    const left = await publicTables(client);
    for (const table of EXPECTED_TABLES) expect(left, `Table ${table} still exists after downgrade`).not.toContain(table);
  });

  it('test_database_constraints: a valid game and collection row go in, an invalid acquisition type and priority are rejected', async () => {
    const client = await (await isolatedDatabase('head')).connect();
    const runSeedCase = async (): Promise<void> => {
      await client.query('BEGIN');
      try {
        const game = await client.query(`INSERT INTO games (title, igdb_id) VALUES ('Test Game', 12345) RETURNING id`);
        const gameId = game.rows[0].id as string;
        await client.query(
          `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
           VALUES ('test_user_123', $1, 'PS5', 'DIGITAL', NOW())`,
          [gameId],
        );
        const inSavepoint = async (text: string): Promise<void> => {
          await client.query('SAVEPOINT seed_case');
          try {
            await client.query(text, [gameId]);
          } finally {
            await client.query('ROLLBACK TO SAVEPOINT seed_case');
          }
        };
        const invalidAcquisition = `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
                                    VALUES ('test_user_456', $1, 'PS5', 'INVALID', NOW())`;
        const invalidPriority = `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, priority)
                                 VALUES ('test_user_789', $1, 'Steam', 'DIGITAL', NOW(), 10)`;
        expect(await violatedConstraint(() => inSavepoint(invalidAcquisition))).toBe('ck_acquisition_type');
        expect(await violatedConstraint(() => inSavepoint(invalidPriority))).toBe('ck_priority_range');
        const { rows } = await client.query(`SELECT user_id FROM user_game_collection WHERE game_id = $1`, [gameId]);
        expect(rows).toEqual([{ user_id: 'test_user_123' }]);
      } finally {
        await client.query('ROLLBACK');
      }
    };

    await runSeedCase();
    expect((await client.query('SELECT count(*)::int AS n FROM games')).rows).toEqual([{ n: 0 }]);
    // The seed's version left its rows behind and failed on the next run (duplicate igdb_id 12345).
    await runSeedCase();
  });
});
