/**
 * Every named constraint of the seed fires, asserted by its name, and a valid row at each edge is
 * accepted; foreign keys cascade or set NULL on rows. These hold at any revision: checked on the
 * seed's 005 exactly and at head.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCollection, insertGame, insertPlaythrough, violatedConstraint } from '../support/rows.js';
import { SEED_REVISION } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe.each([SEED_REVISION, 'head'] as const)('constraints at %s', (start) => {
  let database: TestDatabase;
  let client: pg.Client;
  let gameId: string;

  beforeAll(async () => {
    database = await createTestDatabase({ from: start });
    client = await database.connect();
    gameId = await insertGame(client, { title: 'Constraint Game' });
  });
  afterAll(async () => database?.drop());

  describe('user_game_collection', () => {
    it('accepts every acquisition type, priority 1 to 5 or none, and acquired_at = now', async () => {
      const types = ['PHYSICAL', 'DIGITAL', 'SUBSCRIPTION', 'BORROWED', 'RENTAL'];
      const priorities = [1, 5, null, 3, 2];
      for (const [index, type] of types.entries()) {
        await insertCollection(client, { game_id: gameId, user_id: 'valid-user', platform: `P${index}`, acquisition_type: type, priority: priorities[index] });
      }
      await client.query(
        `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at) VALUES ('valid-user', $1, 'Now', 'DIGITAL', now())`,
        [gameId],
      );
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM user_game_collection WHERE user_id = 'valid-user'`);
      expect(rows[0].n).toBe(6);
    });

    it.each([
      ['ck_acquisition_type', { acquisition_type: 'INVALID' }],
      ['ck_acquisition_type', { acquisition_type: 'digital' }],
      ['ck_priority_range', { priority: 0 }],
      ['ck_priority_range', { priority: 6 }],
      ['ck_priority_range', { priority: 10 }],
    ])('%s rejects %o', async (name, values) => {
      expect(await violatedConstraint(() => insertCollection(client, { game_id: gameId, user_id: 'bad-user', ...values }))).toBe(name);
    });

    it('ck_acquired_not_future rejects an acquisition one second ahead', async () => {
      const insertFuture = () =>
        client.query(
          `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
           VALUES ('bad-user', $1, 'PS5', 'DIGITAL', now() + interval '1 second')`,
          [gameId],
        );
      expect(await violatedConstraint(insertFuture)).toBe('ck_acquired_not_future');
    });

    it('uq_user_game_platform rejects the same user, game and platform twice, not another platform', async () => {
      await insertCollection(client, { game_id: gameId, user_id: 'unique-user', platform: 'Switch' });
      expect(await violatedConstraint(() => insertCollection(client, { game_id: gameId, user_id: 'unique-user', platform: 'Switch' }))).toBe(
        'uq_user_game_platform',
      );
      await insertCollection(client, { game_id: gameId, user_id: 'unique-user', platform: 'Steam' });
      await insertCollection(client, { game_id: gameId, user_id: 'other-user', platform: 'Switch' });
    });
  });

  describe('game_playthrough', () => {
    it('accepts every status, rating 1 to 10 or none, zero hours, completed after started', async () => {
      const statuses = ['PLANNING', 'PLAYING', 'COMPLETED', 'DROPPED', 'ON_HOLD', 'MASTERED'];
      const ratings = [1, 10, null, 5, 7, 2];
      const hours = [0, 0.01, null, 999999.99, 12.5, 1];
      for (const [index, status] of statuses.entries()) {
        await insertPlaythrough(client, {
          game_id: gameId,
          user_id: 'valid-player',
          status,
          rating: ratings[index],
          play_time_hours: hours[index],
          started_at: '2024-01-01T10:00:00Z',
          completed_at: index === 0 ? null : '2024-01-01T10:00:01Z',
        });
      }
      await insertPlaythrough(client, { game_id: gameId, user_id: 'valid-player', completed_at: '2024-01-01T00:00:00Z' });
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM game_playthrough WHERE user_id = 'valid-player'`);
      expect(rows[0].n).toBe(7);
    });

    it.each([
      ['ck_playthrough_status', { status: 'FINISHED' }],
      ['ck_playthrough_status', { status: 'completed' }],
      ['ck_rating_range', { rating: 0 }],
      ['ck_rating_range', { rating: 11 }],
      ['ck_positive_play_time', { play_time_hours: -0.01 }],
      ['ck_completion_date_logic', { started_at: '2024-01-02T00:00:00Z', completed_at: '2024-01-02T00:00:00Z' }],
      ['ck_completion_date_logic', { started_at: '2024-01-02T00:00:00Z', completed_at: '2024-01-01T23:59:59Z' }],
    ])('%s rejects %o', async (name, values) => {
      expect(await violatedConstraint(() => insertPlaythrough(client, { game_id: gameId, user_id: 'bad-player', ...values }))).toBe(name);
    });
  });

  describe('foreign keys', () => {
    const count = async (table: string, where: string, values: unknown[]): Promise<number> =>
      (await client.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, values)).rows[0].n;

    it('deleting a game deletes its collection rows and playthroughs (ON DELETE CASCADE), nothing else', async () => {
      const doomed = await insertGame(client, { title: 'Doomed' });
      const kept = await insertGame(client, { title: 'Kept' });
      for (const game of [doomed, kept]) {
        const collectionId = await insertCollection(client, { game_id: game, user_id: 'fk-user' });
        await insertPlaythrough(client, { game_id: game, user_id: 'fk-user', collection_id: collectionId });
      }
      await client.query('DELETE FROM games WHERE id = $1', [doomed]);
      expect(await count('user_game_collection', 'game_id = $1', [doomed])).toBe(0);
      expect(await count('game_playthrough', 'game_id = $1', [doomed])).toBe(0);
      expect(await count('user_game_collection', 'game_id = $1', [kept])).toBe(1);
      expect(await count('game_playthrough', 'game_id = $1', [kept])).toBe(1);
    });

    it('deleting a collection row keeps its playthrough with collection_id NULL (ON DELETE SET NULL)', async () => {
      const game = await insertGame(client, { title: 'Linked' });
      const collectionId = await insertCollection(client, { game_id: game, user_id: 'fk-user-2' });
      const playthroughId = await insertPlaythrough(client, { game_id: game, user_id: 'fk-user-2', collection_id: collectionId, rating: 9 });
      await client.query('DELETE FROM user_game_collection WHERE id = $1', [collectionId]);
      const { rows } = await client.query('SELECT collection_id, game_id, rating FROM game_playthrough WHERE id = $1', [playthroughId]);
      expect(rows).toEqual([{ collection_id: null, game_id: game, rating: 9 }]);
    });

    it('rejects a playthrough or collection row of a game that does not exist', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      expect(await violatedConstraint(() => insertCollection(client, { game_id: missing }))).toBe('user_game_collection_game_id_fkey');
      expect(await violatedConstraint(() => insertPlaythrough(client, { game_id: missing }))).toBe('game_playthrough_game_id_fkey');
    });
  });
});
