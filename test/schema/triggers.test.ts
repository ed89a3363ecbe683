/**
 * The four updated_at triggers really move updated_at on UPDATE: the row starts with an old
 * timestamp and, after an UPDATE of another column, holds the updating statement's now().
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCollection, insertGame, insertPlaythrough, insertSession } from '../support/rows.js';
import { SEED_REVISION } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const LONG_AGO = new Date('2001-02-03T04:05:06Z');

describe.each([SEED_REVISION, 'head'] as const)('updated_at triggers at %s', (start) => {
  let database: TestDatabase;
  let client: pg.Client;
  const rows: Record<string, { table: string; key: string; id: string; change: string }> = {};

  beforeAll(async () => {
    database = await createTestDatabase({ from: start });
    client = await database.connect();
    const old = { created_at: LONG_AGO, updated_at: LONG_AGO };
    const gameId = await insertGame(client, { title: 'Trigger Game', ...old });
    const collectionId = await insertCollection(client, { game_id: gameId, ...old });
    const playthroughId = await insertPlaythrough(client, { game_id: gameId, collection_id: collectionId, ...old });
    await insertSession(client, { session_id: 'session-trigger', expires_at: '2099-01-01T00:00:00Z', ...old });
    rows.update_games_updated_at = { table: 'games', key: 'id', id: gameId, change: `title = 'Renamed'` };
    rows.update_collection_updated_at = { table: 'user_game_collection', key: 'id', id: collectionId, change: 'priority = 2' };
    rows.update_playthrough_updated_at = { table: 'game_playthrough', key: 'id', id: playthroughId, change: 'rating = 8' };
    rows.update_sessions_updated_at = { table: 'user_sessions', key: 'session_id', id: 'session-trigger', change: `access_token = 'rotated'` };
  });
  afterAll(async () => database?.drop());

  it.each(['update_games_updated_at', 'update_collection_updated_at', 'update_playthrough_updated_at', 'update_sessions_updated_at'])(
    '%s sets updated_at to the updating transaction’s now() and leaves created_at',
    async (trigger) => {
      const { table, key, id, change } = rows[trigger]!;
      const { rows: triggers } = await client.query(
        `SELECT tgrelid::regclass::text AS table_name FROM pg_trigger WHERE tgname = $1 AND NOT tgisinternal`,
        [trigger],
      );
      expect(triggers).toEqual([{ table_name: table }]);

      const select = `SELECT created_at, updated_at FROM ${table} WHERE ${key} = $1`;
      expect((await client.query(select, [id])).rows[0]).toEqual({ created_at: LONG_AGO, updated_at: LONG_AGO });
      // Compared in SQL, to the microsecond: now() is the updating transaction's start time.
      const { rows: updated } = await client.query(
        `UPDATE ${table} SET ${change} WHERE ${key} = $1 RETURNING updated_at = now() AS updated_now, created_at`,
        [id],
      );
      expect(updated).toEqual([{ updated_now: true, created_at: LONG_AGO }]);
      expect((await client.query(select, [id])).rows[0].updated_at).not.toEqual(LONG_AGO);
    },
  );

  it('overrides an updated_at that the UPDATE itself sets', async () => {
    const { id } = rows.update_games_updated_at!;
    const { rows: updated } = await client.query('UPDATE games SET updated_at = $2 WHERE id = $1 RETURNING updated_at = now() AS updated_now', [
      id,
      LONG_AGO,
    ]);
    expect(updated).toEqual([{ updated_now: true }]);
  });
});
