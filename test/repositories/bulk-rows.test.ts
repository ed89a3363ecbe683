import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManyToCollection, addToCollection, listCollection, type CollectionEntryInput } from '../../src/repositories/collection.repository.js';
import { listPlaythroughs, startManyPlaythroughs, startPlaythrough, type StartPlaythroughInput } from '../../src/repositories/playthroughs.repository.js';
import { getUserStats, type UserStats } from '../../src/repositories/stats.repository.js';
import { createRepositoryTestDatabase, rejection, someGame, type RepositoryTestDatabase } from '../support/repository-database.js';

let t: RepositoryTestDatabase;
const games: string[] = [];
beforeAll(async () => {
  t = await createRepositoryTestDatabase();
  for (let i = 0; i < 6; i += 1) games.push(await someGame(t.maintenance, 9100 + i, `Bulk ${i}`, 10 + i));
});
afterAll(async () => t.close());

const day = (n: number): Date => new Date(Date.UTC(2024, 2, n, 12));
const PLATFORMS = ['PS5', 'Steam', 'Xbox', 'Switch', 'PS5', 'Steam'];

/** The same entries for a user: one per game, on several platforms. */
function entries(user: string): CollectionEntryInput[] {
  return games.map((game, i) => ({ user_id: user, game_id: game, platform: PLATFORMS[i]!, acquisition_type: 'DIGITAL', acquired_at: day(i + 1), priority: (i % 5) + 1, notes: i === 0 ? 'first' : null }));
}

/** Playthroughs of the first four games, linked to the user's collection entries. */
function playthroughs(user: string, collectionIds: string[]): StartPlaythroughInput[] {
  return collectionIds.slice(0, 4).map((collectionId, i) => ({
    user_id: user,
    game_id: games[i]!,
    collection_id: collectionId,
    platform: PLATFORMS[i]!,
    status: i % 2 === 0 ? 'PLAYING' : 'PLANNING',
    started_at: i % 2 === 0 ? day(10 + i) : null,
    difficulty: i === 0 ? 'Hard' : null,
  }));
}

/** The stats that do not depend on who or when (last_activity is the time of the latest write). */
function withoutUser(stats: UserStats | undefined): Omit<UserStats, 'user_id' | 'last_activity'> | undefined {
  if (!stats) return undefined;
  const { user_id: _user, last_activity: lastActivity, ...rest } = stats;
  expect(lastActivity).toBeInstanceOf(Date);
  return rest;
}

describe('bulk paths for collection rows and playthroughs', () => {
  it('gives the stats the one-row path gives for the same rows, with one refresh statement for every user touched', async () => {
    for (const user of ['one-a', 'one-b']) {
      const added = [];
      for (const entry of entries(user)) added.push(await addToCollection(t.maintenance, entry));
      for (const playthrough of playthroughs(user, added.map((entry) => entry.id))) await startPlaythrough(t.maintenance, playthrough);
    }
    t.sent.length = 0;
    // Two users interleaved in one batch.
    const batch = entries('bulk-a').flatMap((entry, i) => [entry, entries('bulk-b')[i]!]);
    const added = await addManyToCollection(t.maintenance, batch);
    expect(added.map((entry) => [entry.user_id, entry.game_id])).toEqual(batch.map((entry) => [entry.user_id, entry.game_id]));
    expect(t.sent.filter((statement) => statement.includes('refresh_user_stats'))).toEqual(['SELECT refresh_user_stats(u) FROM unnest($1::varchar[]) AS u']);
    expect(t.sent.filter((statement) => /insert/i.test(statement))).toHaveLength(1);
    for (const user of ['bulk-a', 'bulk-b']) {
      const ids = added.filter((entry) => entry.user_id === user).map((entry) => entry.id);
      const started = await startManyPlaythroughs(t.maintenance, playthroughs(user, ids));
      expect(started.map((playthrough) => playthrough.collection_id)).toEqual(ids.slice(0, 4));
    }
    for (const [one, bulk] of [['one-a', 'bulk-a'], ['one-b', 'bulk-b']] as const) {
      const expected = withoutUser(await getUserStats(t.maintenance, one));
      expect(expected).toMatchObject({ total_games: 6, ps5_games: 2, total_playthroughs: 4, currently_playing: 2 });
      expect(withoutUser(await getUserStats(t.maintenance, bulk))).toEqual(expected);
      expect((await listPlaythroughs(t.maintenance, bulk)).length).toBe(4);
    }
  });

  it('fails the whole batch on a bad row, naming its index, and writes nothing', async () => {
    const base = entries('bad-batch');
    const cases: [CollectionEntryInput[], Record<string, unknown>][] = [
      [base.map((entry, i) => (i === 2 ? { ...entry, platform: '' } : entry)), { code: 'E_VALIDATION', field: 'platform', data: expect.objectContaining({ index: 2 }) }],
      [base.map((entry, i) => (i === 3 ? { ...entry, priority: 9 } : entry)), { code: 'E_VALIDATION', constraint: 'ck_priority_range', field: 'priority', data: expect.objectContaining({ index: 3 }) }],
      [[...base, base[1]!], { code: 'E_CONFLICT', constraint: 'uq_user_game_platform', data: expect.objectContaining({ index: 6 }) }],
      [base.map((entry, i) => (i === 5 ? { ...entry, game_id: '00000000-0000-4000-8000-000000000000' } : entry)), { code: 'E_NOT_FOUND', field: 'game_id', data: expect.objectContaining({ index: 5 }) }],
    ];
    for (const [batch, expected] of cases) {
      const error = await rejection(addManyToCollection(t.maintenance, batch));
      expect(error).toMatchObject(expected);
      expect(error.message).toMatch(new RegExp(`^row ${String(error.data?.index)}: `));
    }
    expect((await listCollection(t.maintenance, 'bad-batch', { active: 'any' })).items).toEqual([]);
    expect(await getUserStats(t.maintenance, 'bad-batch')).toBeUndefined();
    expect(await addManyToCollection(t.maintenance, [])).toEqual([]);
  });

  it("refuses a link to another user's collection entry as the one-row path does, and rolls back with the caller's transaction", async () => {
    const [aliceEntry] = await addManyToCollection(t.maintenance, [entries('alice')[0]!]);
    const link = { user_id: 'mallory', game_id: games[0]!, collection_id: aliceEntry!.id, platform: 'PS5' };
    const single = await rejection(startPlaythrough(t.maintenance, link));
    const bulk = await rejection(startManyPlaythroughs(t.maintenance, [{ ...link, game_id: games[1]!, collection_id: null }, link]));
    expect(single).toMatchObject({ code: 'E_NOT_FOUND', constraint: 'fk_playthrough_collection_same_owner', field: 'collection_id' });
    expect(bulk).toMatchObject({ code: single.code, constraint: single.constraint, field: single.field, data: expect.objectContaining({ index: 1 }) });
    expect(bulk.message).toBe(`row 1: ${single.message}`);
    expect(await listPlaythroughs(t.maintenance, 'mallory')).toEqual([]);

    await t.maintenance
      .transaction()
      .execute(async (trx) => {
        await startManyPlaythroughs(trx, [{ user_id: 'alice', game_id: games[0]!, collection_id: aliceEntry!.id, platform: 'PS5' }]);
        expect((await getUserStats(trx, 'alice'))?.total_playthroughs).toBe(1);
        throw new Error('the caller rolls back');
      })
      .catch(() => undefined);
    expect((await getUserStats(t.maintenance, 'alice'))?.total_playthroughs).toBe(0);
  });
});
