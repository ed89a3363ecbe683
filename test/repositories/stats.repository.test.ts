import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToCollection, removeFromCollection } from '../../src/repositories/collection.repository.js';
import { searchGames } from '../../src/repositories/games.repository.js';
import { completePlaythrough, startPlaythrough, updatePlaythrough } from '../../src/repositories/playthroughs.repository.js';
import { getUserStats, refreshAllUserStats } from '../../src/repositories/stats.repository.js';
import { createRepositoryTestDatabase, rejection, someGame, type RepositoryTestDatabase } from '../support/repository-database.js';

let t: RepositoryTestDatabase;
beforeAll(async () => {
  t = await createRepositoryTestDatabase();
});
afterAll(async () => t.close());

const day = (n: number): Date => new Date(Date.UTC(2024, 5, n, 12));

describe('stats stay exact after every write through the repositories', () => {
  it('2 collection rows and 3 playthroughs: exact counts, hours, averages and rate, without any manual refresh', async () => {
    const a = await someGame(t.db, 9101, 'Stats A');
    const b = await someGame(t.db, 9102, 'Stats B');
    const c = await someGame(t.db, 9103, 'Stats C');
    expect(await getUserStats(t.db, 'kim')).toBeUndefined();
    const onPs5 = await addToCollection(t.db, { user_id: 'kim', game_id: a, platform: 'PS5', acquisition_type: 'DIGITAL', acquired_at: day(1) });
    await addToCollection(t.db, { user_id: 'kim', game_id: b, platform: 'Steam', acquisition_type: 'DIGITAL', acquired_at: day(2) });
    const first = await startPlaythrough(t.db, { user_id: 'kim', game_id: a, platform: 'PS5', collection_id: onPs5.id, started_at: day(3) });
    const second = await startPlaythrough(t.db, { user_id: 'kim', game_id: b, platform: 'Steam', started_at: day(3) });
    await startPlaythrough(t.db, { user_id: 'kim', game_id: c, platform: 'Steam', status: 'PLANNING' });
    await completePlaythrough(t.db, { userId: 'kim', id: first.id }, { play_time_hours: 12.5, rating: 8, completed_at: day(10) });
    await completePlaythrough(t.db, { userId: 'kim', id: second.id }, { play_time_hours: 17.5, rating: 7, completed_at: day(11) });
    // Independently: 2 active games (1 PS5, 1 Steam); 3 playthroughs, 2 completed (30 h, avg 15.0),
    // 1 planned; ratings 8 and 7 → 7.5; 2 of 3 completed → 66.7 %.
    expect(await getUserStats(t.db, 'kim')).toMatchObject({
      total_games: 2,
      ps5_games: 1,
      steam_games: 1,
      xbox_games: 0,
      switch_games: 0,
      total_playthroughs: 3,
      completed_games: 2,
      currently_playing: 0,
      backlog_size: 1,
      total_hours: 30,
      average_rating: 7.5,
      avg_completion_time: 15,
      completion_rate_percent: 66.7,
    });
    await removeFromCollection(t.db, { userId: 'kim', id: onPs5.id });
    await updatePlaythrough(t.db, { userId: 'kim', id: second.id }, { rating: 9 });
    expect(await getUserStats(t.db, 'kim')).toMatchObject({ total_games: 1, ps5_games: 0, average_rating: 8.5, total_hours: 30 });
    // A full recompute agrees with what the per-user refreshes kept.
    const kept = await getUserStats(t.db, 'kim');
    await expect(refreshAllUserStats(t.db)).rejects.toMatchObject({ code: 'E_ROW_SECURITY' });
    await refreshAllUserStats(t.maintenance);
    expect(await getUserStats(t.db, 'kim')).toEqual(kept);
  });

  it('a failed write leaves stats unchanged (write and refresh are one transaction)', async () => {
    const before = await getUserStats(t.db, 'kim');
    const game = await someGame(t.db, 9104, 'Stats D');
    await rejection(addToCollection(t.db, { user_id: 'kim', game_id: game, platform: 'PS5', acquisition_type: 'DIGITAL', acquired_at: day(1), priority: 6 }));
    expect(await getUserStats(t.db, 'kim')).toEqual(before);
  });

  it('inside a caller transaction, the refresh joins it and is rolled back with it', async () => {
    const game = await someGame(t.db, 9105, 'Stats E');
    await t.db
      .transaction()
      .execute(async (trx) => {
        await addToCollection(trx, { user_id: 'lee', game_id: game, platform: 'Switch', acquisition_type: 'PHYSICAL', acquired_at: day(1) });
        expect((await getUserStats(trx, 'lee'))?.switch_games).toBe(1);
        throw new Error('caller rolls back');
      })
      .catch(() => undefined);
    expect(await getUserStats(t.db, 'lee')).toBeUndefined();
  });

  it("a playthrough cannot link another user's collection entry (fk_playthrough_collection_same_owner)", async () => {
    const game = await someGame(t.db, 9106, 'Stats F');
    const mine = await addToCollection(t.db, { user_id: 'mo', game_id: game, platform: 'PS5', acquisition_type: 'DIGITAL', acquired_at: day(1) });
    expect(await rejection(startPlaythrough(t.db, { user_id: 'nat', game_id: game, platform: 'PS5', collection_id: mine.id }))).toMatchObject({
      code: 'E_NOT_FOUND',
      constraint: 'fk_playthrough_collection_same_owner',
      field: 'collection_id',
      message: 'collection_id: no collection entry of this user for this game',
    });
  });

  it('search returns one row per game however many platforms the user owns it on', async () => {
    const game = await someGame(t.db, 9107, 'Xenoblade Wanderer');
    for (const platform of ['PS5', 'Switch', 'Steam']) {
      await addToCollection(t.db, { user_id: 'owen', game_id: game, platform, acquisition_type: 'DIGITAL', acquired_at: day(1) });
    }
    expect(await searchGames(t.db, { query: 'xenoblade wanderer', userId: 'owen' })).toEqual([
      expect.objectContaining({ id: game, title: 'Xenoblade Wanderer', owned: true }),
    ]);
  });
});
