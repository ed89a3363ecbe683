/**
 * active_collection, playthrough_summary and the materialized view user_game_stats with exact
 * values, on a database at the seed's 005 exactly (later revisions correct is_active and the stats).
 * Expected values are computed here from the rows inserted, not read back from the database.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCollection, insertGame, insertPlaythrough } from '../support/rows.js';
import { SEED_REVISION } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase({ from: SEED_REVISION });
  client = await database.connect();
});
afterAll(async () => database?.drop());

describe('active_collection', () => {
  it('lists active collection rows with their game, leaving out inactive and NULL is_active', async () => {
    const game = { title: 'Hades', cover_image_id: 'co2lbd', release_date: '2020-09-17', main_story: 22, main_extra: 48, completionist: 95 };
    const gameId = await insertGame(client, game);
    const active = { user_id: 'ac-user', platform: 'Switch', acquisition_type: 'PHYSICAL', acquired_at: new Date('2023-05-06T07:08:09Z'), priority: 4, notes: 'gift', is_active: true };
    const activeId = await insertCollection(client, { game_id: gameId, ...active });
    await insertCollection(client, { game_id: gameId, user_id: 'ac-user', platform: 'PS5', is_active: false });
    await insertCollection(client, { game_id: gameId, user_id: 'ac-user', platform: 'Steam' }); // is_active NULL: docs/seed-notes.md defect 1

    const { rows } = await client.query(
      `SELECT id, user_id, game_id, title, cover_image_id, to_char(release_date, 'YYYY-MM-DD') AS release_date, main_story, main_extra,
              completionist, platform, acquisition_type, acquired_at, priority, notes
         FROM active_collection WHERE user_id = 'ac-user'`,
    );
    const { is_active: _, ...shown } = active;
    expect(rows).toEqual([{ id: activeId, game_id: gameId, ...game, ...shown }]);
    const { rows: columns } = await client.query(
      `SELECT attname FROM pg_attribute WHERE attrelid = 'active_collection'::regclass AND attnum > 0 ORDER BY attnum`,
    );
    expect(columns.map((column) => column.attname)).toEqual([
      'id', 'user_id', 'game_id', 'title', 'cover_image_id', 'release_date', 'main_story', 'main_extra', 'completionist',
      'platform', 'acquisition_type', 'acquired_at', 'priority', 'notes', 'created_at', 'updated_at',
    ]);
  });
});

describe('playthrough_summary', () => {
  const summary = async (id: string) =>
    (
      await client.query(
        `SELECT title, status, duration::text AS duration, completion_percentage::text AS completion_percentage
           FROM playthrough_summary WHERE id = $1`,
        [id],
      )
    ).rows[0];

  it('computes duration (completed_at - started_at) and completion_percentage (hours / main_story, 1 decimal)', async () => {
    const gameId = await insertGame(client, { title: 'Celeste', main_story: 8 });
    const id = await insertPlaythrough(client, {
      game_id: gameId,
      status: 'COMPLETED',
      started_at: '2024-01-01T10:00:00Z',
      completed_at: '2024-01-03T12:30:15Z',
      play_time_hours: 12.25,
    });
    // 12.25 / 8 * 100 = 153.125, rounded to one decimal: 153.1. Duration: 2 days, 2 h 30 min 15 s.
    expect(await summary(id)).toEqual({ title: 'Celeste', status: 'COMPLETED', duration: '2 days 02:30:15', completion_percentage: '153.1' });
  });

  it('rounds half away from zero', async () => {
    const gameId = await insertGame(client, { title: 'Inside', main_story: 40 });
    const id = await insertPlaythrough(client, { game_id: gameId, play_time_hours: 12.5 }); // 31.25 %
    expect(await summary(id)).toMatchObject({ duration: null, completion_percentage: '31.3' });
  });

  it('gives NULL completion_percentage when main_story is 0 or NULL or hours are unknown, NULL duration when a date is missing', async () => {
    const zero = await insertGame(client, { title: 'Zero', main_story: 0 });
    const unknown = await insertGame(client, { title: 'Unknown' });
    const cases = [
      await insertPlaythrough(client, { game_id: zero, play_time_hours: 10, started_at: '2024-02-01T00:00:00Z', completed_at: '2024-02-01T06:00:00Z' }),
      await insertPlaythrough(client, { game_id: unknown, play_time_hours: 10, completed_at: '2024-02-01T06:00:00Z' }),
      await insertPlaythrough(client, { game_id: zero, started_at: '2024-02-01T00:00:00Z' }),
    ];
    const summaries = [];
    for (const id of cases) summaries.push(await summary(id)); // one connection: one query at a time
    expect(summaries).toEqual([
      { title: 'Zero', status: 'PLAYING', duration: '06:00:00', completion_percentage: null },
      { title: 'Unknown', status: 'PLAYING', duration: null, completion_percentage: null },
      { title: 'Zero', status: 'PLAYING', duration: null, completion_percentage: null },
    ]);
  });
});

describe('user_game_stats and refresh_user_stats', () => {
  type Playthrough = { status: string; play_time_hours: number | null; rating: number | null };
  const round1 = (value: number): string => (Math.round(value * 10 + Number.EPSILON) / 10).toFixed(1);
  const average = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  const stats = async (userId: string) =>
    (
      await client.query(
        `SELECT user_id, total_games, ps5_games, steam_games, xbox_games, switch_games, total_playthroughs, completed_games,
                currently_playing, backlog_size, total_hours::text, average_rating::text, avg_completion_time::text,
                completion_rate_percent::text, last_activity
           FROM user_game_stats WHERE user_id = $1`,
        [userId],
      )
    ).rows;

  it('has the unique index idx_user_stats_user_id that REFRESH … CONCURRENTLY needs', async () => {
    const { rows } = await client.query(
      `SELECT indrelid::regclass::text AS relation, indisunique, pg_get_indexdef(indexrelid) AS definition
         FROM pg_index WHERE indexrelid = 'idx_user_stats_user_id'::regclass`,
    );
    expect(rows).toEqual([
      {
        relation: 'user_game_stats',
        indisunique: true,
        definition: 'CREATE UNIQUE INDEX idx_user_stats_user_id ON public.user_game_stats USING btree (user_id)',
      },
    ]);
  });

  it('computes exact stats for a user with exactly one collection row, once refreshed', async () => {
    const gameIds = [await insertGame(client, { title: 'Stats 1' }), await insertGame(client, { title: 'Stats 2' })];
    await insertCollection(client, { game_id: gameIds[0]!, user_id: 'stats-user', platform: 'PS5', is_active: true });
    const playthroughs: Playthrough[] = [
      { status: 'COMPLETED', play_time_hours: 30, rating: 8 },
      { status: 'COMPLETED', play_time_hours: 10.25, rating: 9 },
      { status: 'COMPLETED', play_time_hours: null, rating: null },
      { status: 'PLAYING', play_time_hours: 5, rating: 6 },
      { status: 'PLANNING', play_time_hours: null, rating: null },
      { status: 'DROPPED', play_time_hours: 2, rating: 3 },
    ];
    for (const [index, playthrough] of playthroughs.entries()) {
      await insertPlaythrough(client, { game_id: gameIds[index % 2]!, user_id: 'stats-user', ...playthrough });
    }
    expect(await stats('stats-user')).toEqual([]); // a materialized view: nothing until refreshed

    await client.query('SELECT refresh_user_stats()');
    const completed = playthroughs.filter((p) => p.status === 'COMPLETED');
    const completedHours = completed.flatMap((p) => (p.play_time_hours === null ? [] : [p.play_time_hours]));
    const ratings = playthroughs.flatMap((p) => (p.rating === null ? [] : [p.rating]));
    const { rows: activity } = await client.query(`SELECT max(updated_at) AS last FROM game_playthrough WHERE user_id = 'stats-user'`);
    expect(await stats('stats-user')).toEqual([
      {
        user_id: 'stats-user',
        total_games: '1',
        ps5_games: '1',
        steam_games: '0',
        xbox_games: '0',
        switch_games: '0',
        total_playthroughs: String(playthroughs.length),
        completed_games: String(completed.length),
        currently_playing: '1',
        backlog_size: '1',
        total_hours: completedHours.reduce((sum, hours) => sum + hours, 0).toFixed(2), // 40.25
        average_rating: round1(average(ratings)), // 26 / 4 = 6.5
        avg_completion_time: round1(average(completedHours)), // 20.125 -> 20.1
        completion_rate_percent: round1((completed.length / playthroughs.length) * 100), // 50.0
        last_activity: activity[0].last,
      },
    ]);
  });

  it('counts collection-only and playthrough-only users, and refresh_user_stats(user) refreshes', async () => {
    const gameId = await insertGame(client, { title: 'Stats 3' });
    await insertCollection(client, { game_id: gameId, user_id: 'collector', platform: 'Steam', is_active: true });
    await insertCollection(client, { game_id: gameId, user_id: 'collector', platform: 'Xbox', is_active: true });
    await insertCollection(client, { game_id: gameId, user_id: 'collector', platform: 'Switch', is_active: false });
    await insertPlaythrough(client, { game_id: gameId, user_id: 'player', status: 'PLANNING' });
    await client.query(`SELECT refresh_user_stats('collector')`);

    expect(await stats('collector')).toEqual([
      expect.objectContaining({
        total_games: '2', ps5_games: '0', steam_games: '1', xbox_games: '1', switch_games: '0',
        total_playthroughs: '0', completed_games: '0', total_hours: '0', average_rating: null,
        avg_completion_time: null, completion_rate_percent: '0', last_activity: null,
      }),
    ]);
    expect(await stats('player')).toEqual([
      expect.objectContaining({ total_games: '0', total_playthroughs: '1', backlog_size: '1', completion_rate_percent: '0.0' }),
    ]);
  });

  it('multiplies sums by the number of collection rows (docs/seed-notes.md defect 2, corrected by a later revision)', async () => {
    const gameId = await insertGame(client, { title: 'Stats 4' });
    for (const platform of ['PS5', 'Steam', 'Xbox']) await insertCollection(client, { game_id: gameId, user_id: 'tripled', platform, is_active: true });
    await insertPlaythrough(client, { game_id: gameId, user_id: 'tripled', status: 'COMPLETED', play_time_hours: 30, rating: 7 });
    await client.query('SELECT refresh_user_stats()');
    // 30 hours played, 90 reported: one joined row per collection row. COUNT DISTINCT and AVG survive.
    expect(await stats('tripled')).toEqual([
      expect.objectContaining({ total_games: '3', total_playthroughs: '1', total_hours: '90.00', average_rating: '7.0', avg_completion_time: '30.0' }),
    ]);
  });
});
