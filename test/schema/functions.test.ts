/**
 * search_games and cleanup_expired_sessions on rows. search_games is tested as the seed wrote it (on
 * a database at 005 exactly): a later revision corrects it to one row per game.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCollection, insertGame, insertSession } from '../support/rows.js';
import { SEED_REVISION } from '../support/template-databases.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe(`search_games at ${SEED_REVISION}`, () => {
  let database: TestDatabase;
  let client: pg.Client;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase({ from: SEED_REVISION });
    client = await database.connect();
    // "dragon" appears 4, 2, 1 and 1 times: ts_rank (no length normalization) grows with the count,
    // and the two games that tie are ordered by title.
    const games = {
      'Dragon Hoard': 'A dragon guards a dragon egg from a dragon.',
      'Saga of the Dragon': 'Knights and a dragon.',
      'Dragon Beta': 'Knights.',
      'Dragon Alpha': null,
      Knights: 'No such beast here.',
    };
    for (const [title, description] of Object.entries(games)) ids[title] = await insertGame(client, { title, description });
    await insertCollection(client, { game_id: ids['Saga of the Dragon']!, user_id: 'owner', platform: 'PS5', is_active: true });
    await insertCollection(client, { game_id: ids['Saga of the Dragon']!, user_id: 'owner', platform: 'Steam', is_active: true });
    await insertCollection(client, { game_id: ids['Dragon Beta']!, user_id: 'owner', is_active: false });
    await insertCollection(client, { game_id: ids['Dragon Alpha']!, user_id: 'owner' }); // is_active left NULL
    await insertCollection(client, { game_id: ids['Dragon Hoard']!, user_id: 'someone-else', is_active: true });
  });
  afterAll(async () => database?.drop());

  const search = async (...args: unknown[]) => {
    const placeholders = args.map((_, index) => `$${index + 1}`).join(', ');
    return (await client.query(`SELECT * FROM search_games(${placeholders})`, args)).rows as {
      id: string;
      title: string;
      owned: boolean;
      search_rank: number;
    }[];
  };

  it('ranks by the number of matches, then by title, leaving out games that do not match', async () => {
    const rows = await search('dragon');
    expect(rows.map((row) => [row.title, row.owned])).toEqual([
      ['Dragon Hoard', false],
      ['Saga of the Dragon', false],
      ['Dragon Alpha', false],
      ['Dragon Beta', false],
    ]);
    const ranks = rows.map((row) => row.search_rank);
    expect(ranks[0]).toBeGreaterThan(ranks[1]!);
    expect(ranks[1]).toBeGreaterThan(ranks[2]!);
    expect(ranks[2]).toBe(ranks[3]);
    expect(rows[0]).toMatchObject({ id: ids['Dragon Hoard'], cover_image_id: null, release_date: null });
  });

  it('stems the query and matches the description too', async () => {
    expect((await search('guarding knights')).map((row) => row.title)).toEqual([]);
    expect((await search('guards')).map((row) => row.title)).toEqual(['Dragon Hoard']);
    expect((await search('knight')).map((row) => row.title).sort()).toEqual(['Dragon Beta', 'Knights', 'Saga of the Dragon']);
  });

  it("marks owned only the user's active collection rows; the seed returns a game once per owned platform", async () => {
    const rows = await search('dragon', 'owner');
    expect(rows.map((row) => [row.title, row.owned])).toEqual([
      ['Dragon Hoard', false], // owned by someone else
      ['Saga of the Dragon', true], // PS5 and Steam: the seed's LEFT JOIN repeats the game (docs/seed-notes.md defect 4)
      ['Saga of the Dragon', true],
      ['Dragon Alpha', false], // is_active NULL (docs/seed-notes.md defect 1)
      ['Dragon Beta', false], // is_active false
    ]);
    expect((await search('dragon', 'someone-else')).map((row) => [row.title, row.owned])).toEqual([
      ['Dragon Hoard', true],
      ['Saga of the Dragon', false],
      ['Dragon Alpha', false],
      ['Dragon Beta', false],
    ]);
  });

  it('returns at most limit_param rows, 20 by default', async () => {
    expect((await search('dragon', null, 2)).map((row) => row.title)).toEqual(['Dragon Hoard', 'Saga of the Dragon']);
    for (let index = 0; index < 25; index += 1) await insertGame(client, { title: `Zelda ${String(index).padStart(2, '0')}` });
    expect(await search('zelda')).toHaveLength(20);
    expect(await search('zelda', null, 25)).toHaveLength(25);
    expect(await search('zelda', null, 0)).toHaveLength(0);
  });
});

describe.each([SEED_REVISION, 'head'] as const)('cleanup_expired_sessions at %s', (start) => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase({ from: start });
    client = await database.connect();
  });
  afterAll(async () => database?.drop());

  it('deletes only expired sessions and returns how many', async () => {
    for (const [id, expires] of [
      ['expired-1', '2020-01-01T00:00:00Z'],
      ['expired-2', '2024-06-01T00:00:00Z'],
      ['expired-3', new Date(Date.now() - 60_000).toISOString()],
      ['valid-1', new Date(Date.now() + 3_600_000).toISOString()],
      ['valid-2', '2099-01-01T00:00:00Z'],
    ]) {
      await insertSession(client, { session_id: id!, expires_at: expires! });
    }
    expect((await client.query('SELECT cleanup_expired_sessions() AS deleted')).rows).toEqual([{ deleted: 3 }]);
    const { rows } = await client.query('SELECT session_id FROM user_sessions ORDER BY session_id');
    expect(rows.map((row) => row.session_id)).toEqual(['valid-1', 'valid-2']);
    expect((await client.query('SELECT cleanup_expired_sessions() AS deleted')).rows).toEqual([{ deleted: 0 }]);
  });
});
