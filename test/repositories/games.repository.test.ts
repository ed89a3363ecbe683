import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGamesCsv, type ImportProgress } from '../../src/repositories/game-import.js';
import { getGame, searchGames, upsertGame } from '../../src/repositories/games.repository.js';
import { createRepositoryTestDatabase, rejection, type RepositoryTestDatabase } from '../support/repository-database.js';
import { waitFor } from '../support/wait-for.js';

let t: RepositoryTestDatabase;
beforeAll(async () => {
  t = await createRepositoryTestDatabase();
});
afterAll(async () => t.close());

describe('games repository', () => {
  it('upserts by igdb_id on the games_igdb_id_key constraint, and gets by id', async () => {
    t.sent.length = 0;
    const first = await upsertGame(t.db, { igdb_id: 1942, title: 'The Witcher 3', main_story: 52 });
    expect(t.sent[0]).toBe(
      'insert into "games" ("igdb_id", "title", "hltb_id", "steam_app_id", "description", "cover_image_id", "release_date", "main_story", "main_extra", "completionist") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict on constraint "games_igdb_id_key" do update set "title" = $11, "hltb_id" = $12, "steam_app_id" = $13, "description" = $14, "cover_image_id" = $15, "release_date" = $16, "main_story" = $17, "main_extra" = $18, "completionist" = $19 returning "id", "igdb_id", "hltb_id", "steam_app_id", "title", "description", "cover_image_id", "release_date", "main_story", "main_extra", "completionist", "created_at", "updated_at"',
    );
    const second = await upsertGame(t.db, { igdb_id: 1942, title: 'The Witcher 3: Wild Hunt', main_story: 51 });
    expect(second.id).toBe(first.id);
    expect(await getGame(t.db, first.id)).toMatchObject({ igdb_id: 1942, title: 'The Witcher 3: Wild Hunt', main_story: 51 });
    const { count } = await t.db.selectFrom('games').select((eb) => eb.fn.countAll<string>().as('count')).where('igdb_id', '=', 1942).executeTakeFirstOrThrow();
    expect(count).toBe('1');
  });

  it('rejects bad input with a typed error naming the field', async () => {
    expect(await rejection(upsertGame(t.db, { igdb_id: 1, title: 'x'.repeat(256) }))).toMatchObject({ code: 'E_VALIDATION', field: 'title' });
    expect(await rejection(upsertGame(t.db, { igdb_id: 1.5, title: 'x' }))).toMatchObject({ code: 'E_VALIDATION', field: 'igdb_id' });
    expect(await rejection(upsertGame(t.db, { igdb_id: 2, title: 'x', release_date: '2024-13-45' }))).toMatchObject({ field: 'release_date' });
    expect(await rejection(getGame(t.db, 'not-a-uuid'))).toMatchObject({ code: 'E_VALIDATION', field: 'id', message: 'id must be a UUID (got "not-a-uuid")' });
  });

  it('searches through search_games, ranked, and rejects empty, stop-words-only queries and bad limits', async () => {
    await upsertGame(t.db, { igdb_id: 100, title: 'Hollow Knight', description: 'A knight explores a ruined kingdom of insects.' });
    await upsertGame(t.db, { igdb_id: 101, title: 'Knights of the Old Republic', description: 'Star Wars role-playing game.' });
    t.sent.length = 0;
    const found = await searchGames(t.db, { query: 'hollow knight', limit: 5 });
    expect(t.sent).toEqual(['select * from search_games($1, $2, $3) as "found"']);
    expect(found.map((game) => game.title)).toEqual(['Hollow Knight']);
    expect(found[0]).toMatchObject({ owned: false });
    expect(typeof found[0]?.search_rank).toBe('number');
    expect(found[0]).not.toHaveProperty('search_vector');
    expect(await rejection(searchGames(t.db, { query: '   ' }))).toMatchObject({ code: 'E_VALIDATION', field: 'query' });
    expect(await rejection(searchGames(t.db, { query: 'the of and' }))).toMatchObject({ code: 'E_VALIDATION', field: 'query' });
    expect(await searchGames(t.db, { query: 'zzzunknownword' })).toEqual([]);
    expect(await rejection(searchGames(t.db, { query: 'knight', limit: 0 }))).toMatchObject({ code: 'E_VALIDATION', field: 'limit' });
    expect(await rejection(searchGames(t.db, { query: 'knight', limit: -3 }))).toMatchObject({ field: 'limit' });
  });
});

describe('DATE values in any client time zone', () => {
  // Process-wide: Node applies a change of TZ at once. East and west of UTC, where a DATE read as
  // local midnight used to move a day (east) or carry a time of day (west).
  it.each(['Asia/Tokyo', 'America/Los_Angeles', 'Pacific/Kiritimati'])('reads release_date as stored under TZ=%s', async (zone) => {
    const before = process.env.TZ;
    process.env.TZ = zone;
    try {
      expect(new Date(2024, 2, 15).getTimezoneOffset()).not.toBe(0); // the zone really applies
      const game = await upsertGame(t.db, { igdb_id: 8801, title: 'Calendar Keeper', release_date: '2024-03-15' });
      expect(game.release_date).toBe('2024-03-15');
      expect((await getGame(t.db, game.id))?.release_date).toBe('2024-03-15');
      const [found] = await searchGames(t.db, { query: 'calendar keeper', limit: 1 });
      expect(found?.release_date).toBe('2024-03-15');
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});

describe('COPY import', () => {
  const header = 'igdb_id,title,description,release_date,main_story\n';
  const csv = (text: string): Readable => Readable.from([text]);

  it('imports a streamed CSV (quoted, multi-line fields), upserting by igdb_id and reporting progress', async () => {
    await upsertGame(t.db, { igdb_id: 5001, title: 'Old title' });
    const client = await t.database.connect();
    const progress: ImportProgress[] = [];
    const rows = [header, '5001,Celeste,"A climb, with ""strawberries""",2018-01-25,8\n', '5002,"Outer\nWilds",,2019-05-28,\n', '5003,Hades,,,22\n'];
    const result = await importGamesCsv(client, Readable.from(rows), { onProgress: (p) => progress.push(p), progressEvery: 2 });
    expect(result).toEqual({ rows: 3, inserted: 2, updated: 1 });
    expect(progress.map((p) => p.rows)).toEqual([2, 3]);
    const games = await t.db.selectFrom('games').select(['igdb_id', 'title', 'description', 'main_story']).where('igdb_id', 'in', [5001, 5002, 5003]).orderBy('igdb_id').execute();
    expect(games).toEqual([
      { igdb_id: 5001, title: 'Celeste', description: 'A climb, with "strawberries"', main_story: 8 },
      { igdb_id: 5002, title: 'Outer\nWilds', description: null, main_story: null },
      { igdb_id: 5003, title: 'Hades', description: null, main_story: 22 },
    ]);
  });

  it('reports every bad row with its line number and imports nothing', async () => {
    const client = await t.database.connect();
    const before = await t.db.selectFrom('games').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const text = `${header}6001,Good,,,\n6002,,,,\n6003,"Multi\nline",,,\n6004,Bad date,,2020-02-30x,\nseven,Bad id,,,\n6001,Duplicate,,,\n6008,Too many,,,,extra\n`;
    const error = await rejection(importGamesCsv(client, csv(text)));
    expect(error.code).toBe('E_VALIDATION');
    const badRows = (error.data as { badRows: { line: number; field?: string }[] }).badRows;
    expect(badRows.map((row) => [row.line, row.field])).toEqual([
      [3, 'title'],
      [6, 'release_date'],
      [7, 'igdb_id'],
      [8, 'igdb_id'],
      [9, undefined],
    ]);
    expect(error.message).toMatch(/^5 bad rows of 7; nothing was imported\. line 3: title is required/);
    const after = await t.db.selectFrom('games').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await t.db.selectFrom('games').select('id').where('igdb_id', '=', 6001).executeTakeFirst()).toBeUndefined();
  });

  it('writes an existing game only when a value changed, and leaves no GIN entry pending', async () => {
    const client = await t.database.connect();
    const text = `${header}7101,Same,Unchanged text,2020-01-01,5\n7102,Changing,Old text,,\n`;
    expect(await importGamesCsv(client, csv(text))).toEqual({ rows: 2, inserted: 2, updated: 0 });
    const before = await client.query<{ xmin: string; igdb_id: number }>('SELECT xmin::text, igdb_id FROM games WHERE igdb_id IN (7101, 7102) ORDER BY igdb_id');
    const again = `${header}7101,Same,Unchanged text,2020-01-01,5\n7102,Changing,New text about a lighthouse,,\n7103,Fresh,,,\n`;
    expect(await importGamesCsv(client, csv(again))).toEqual({ rows: 3, inserted: 1, updated: 1 });
    const after = await client.query<{ xmin: string; igdb_id: number }>('SELECT xmin::text, igdb_id FROM games WHERE igdb_id IN (7101, 7102) ORDER BY igdb_id');
    expect(after.rows[0]?.xmin).toBe(before.rows[0]?.xmin);
    expect(after.rows[1]?.xmin).not.toBe(before.rows[1]?.xmin);
    expect((await searchGames(t.db, { query: 'lighthouse' })).map((game) => game.title)).toEqual(['Changing']);
    // gin_clean_pending_list returns the pages it merged: none are left after the import.
    const pending = await client.query<{ pages: number }>(
      `SELECT sum(gin_clean_pending_list(name::regclass))::int AS pages FROM unnest(ARRAY['idx_games_search_keys', 'idx_games_title_search']) AS name`,
    );
    expect(pending.rows[0]?.pages).toBe(0);
    await client.end();
  });

  it('falls back to ON CONFLICT when another session inserts one of the games meanwhile', async () => {
    const other = await t.database.connect();
    const client = await t.database.connect();
    await other.query('BEGIN');
    await other.query("INSERT INTO games (igdb_id, title) VALUES (7202, 'Theirs')");
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const importing = importGamesCsv(client, csv(`${header}7201,Mine,,,\n7202,Mine too,,,\n`));
    await waitFor('the import to wait on the other insert', async () =>
      (await other.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid])).rowCount === 1,
    );
    await other.query('COMMIT');
    expect(await importing).toEqual({ rows: 2, inserted: 1, updated: 1 });
    const games = await t.db.selectFrom('games').select(['igdb_id', 'title']).where('igdb_id', 'in', [7201, 7202]).orderBy('igdb_id').execute();
    expect(games).toEqual([{ igdb_id: 7201, title: 'Mine' }, { igdb_id: 7202, title: 'Mine too' }]);
    await other.end();
    await client.end();
  });

  it('rejects a header with unknown or missing columns', async () => {
    const client = await t.database.connect();
    const error = await rejection(importGamesCsv(client, csv('igdb_id,name\n1,x\n')));
    expect(error.message).toMatch(/line 1: the header has unknown column\(s\) name and lacks title/);
  });
});
