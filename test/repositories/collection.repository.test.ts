import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addToCollection,
  listCollection,
  removeFromCollection,
  restoreToCollection,
  updateCollectionEntry,
} from '../../src/repositories/collection.repository.js';
import { createRepositoryTestDatabase, rejection, someGame, type RepositoryTestDatabase } from '../support/repository-database.js';

let t: RepositoryTestDatabase;
const games: string[] = [];
beforeAll(async () => {
  t = await createRepositoryTestDatabase();
  for (let i = 0; i < 7; i += 1) games.push(await someGame(t.db, 7000 + i, `Collected ${i}`));
});
afterAll(async () => t.close());

/** What the data layer sends first in each transaction it opens for a user (row-security.ts). */
const ACTING_FOR =
  "SELECT NULLIF(current_setting($1, true), '') AS previous, CASE WHEN COALESCE(NULLIF(current_setting($2, true), ''), $3) = $4 THEN set_config($5, $6, true) END AS acting";

const day = (n: number): Date => new Date(Date.UTC(2024, 0, n, 12));

describe('collection repository', () => {
  it('adds, updates, soft-deletes and restores an entry, refreshing stats in the same transaction', async () => {
    t.sent.length = 0;
    const entry = await addToCollection(t.db, { user_id: 'alice', game_id: games[0]!, platform: 'PS5', acquisition_type: 'DIGITAL', acquired_at: day(1), priority: 2 });
    expect(t.sent).toEqual([
      'begin',
      ACTING_FOR,
      'insert into "user_game_collection" ("user_id", "game_id", "platform", "acquisition_type", "acquired_at", "priority", "notes", "is_active") values ($1, $2, $3, $4, $5, $6, $7, $8) returning *',
      'SELECT refresh_user_stats($1)',
      'commit',
    ]);
    expect(entry).toMatchObject({ user_id: 'alice', platform: 'PS5', priority: 2, is_active: true });
    const updated = await updateCollectionEntry(t.db, { userId: 'alice', id: entry.id }, { priority: 5, notes: 'finish first' });
    expect(updated).toMatchObject({ priority: 5, notes: 'finish first' });
    expect((await removeFromCollection(t.db, { userId: 'alice', id: entry.id })).is_active).toBe(false);
    expect((await listCollection(t.db, 'alice')).items).toEqual([]);
    expect((await restoreToCollection(t.db, { userId: 'alice', id: entry.id })).is_active).toBe(true);
    expect((await listCollection(t.db, 'alice')).items.map((item) => item.title)).toEqual(['Collected 0']);
  });

  it("cannot touch another user's entry", async () => {
    const entry = await addToCollection(t.db, { user_id: 'bob', game_id: games[1]!, platform: 'Switch', acquisition_type: 'PHYSICAL', acquired_at: day(2) });
    expect(await rejection(removeFromCollection(t.db, { userId: 'mallory', id: entry.id }))).toMatchObject({ code: 'E_NOT_FOUND', field: 'id' });
    expect(await rejection(updateCollectionEntry(t.db, { userId: 'mallory', id: entry.id }, { notes: 'mine' }))).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('maps every rule to a typed error naming the field', async () => {
    const base = { user_id: 'carol', game_id: games[2]!, platform: 'PS5', acquisition_type: 'DIGITAL' as const, acquired_at: day(3) };
    await addToCollection(t.db, base);
    expect(await rejection(addToCollection(t.db, base))).toMatchObject({ code: 'E_CONFLICT', constraint: 'uq_user_game_platform', message: 'this user already has this game on this platform' });
    expect(await rejection(addToCollection(t.db, { ...base, platform: 'Xbox', priority: 9 }))).toMatchObject({
      code: 'E_VALIDATION',
      constraint: 'ck_priority_range',
      field: 'priority',
      message: 'priority must be between 1 and 5',
    });
    expect(await rejection(addToCollection(t.db, { ...base, platform: 'Xbox', acquired_at: new Date(Date.now() + 86_400_000) }))).toMatchObject({
      constraint: 'ck_acquired_not_future',
      field: 'acquired_at',
    });
    expect(await rejection(addToCollection(t.db, { ...base, game_id: '00000000-0000-4000-8000-000000000000' }))).toMatchObject({ code: 'E_NOT_FOUND', field: 'game_id' });
    expect(await rejection(addToCollection(t.db, { ...base, game_id: 'nope' }))).toMatchObject({ code: 'E_VALIDATION', field: 'game_id' });
    expect(await rejection(addToCollection(t.db, { ...base, platform: 'P'.repeat(51) }))).toMatchObject({ field: 'platform', message: 'platform must be at most 50 characters (got 51)' });
    expect(await rejection(addToCollection(t.db, { ...base, acquisition_type: 'STOLEN' as never }))).toMatchObject({ field: 'acquisition_type' });
    expect(await rejection(listCollection(t.db, 'carol', { limit: 0 }))).toMatchObject({ field: 'limit' });
    expect(await rejection(listCollection(t.db, 'carol', { after: 'garbage' }))).toMatchObject({ field: 'after' });
  });

  it('lists with filters and keyset pagination, newest acquisition first', async () => {
    const platforms = ['PS5', 'Steam', 'PS5', 'Steam', 'PS5', 'PS5', 'Switch'];
    for (const [i, game] of games.entries()) {
      await addToCollection(t.db, { user_id: 'dave', game_id: game, platform: platforms[i]!, acquisition_type: 'DIGITAL', acquired_at: day(10 + i), priority: (i % 5) + 1 });
    }
    const titles = (page: { items: { title: string }[] }): string[] => page.items.map((item) => item.title);
    t.sent.length = 0;
    const first = await listCollection(t.db, 'dave', { platform: 'PS5', limit: 2 });
    expect(t.sent.slice(0, 2)).toEqual(['begin', ACTING_FOR]);
    expect(t.sent[2]).toBe(
      'select "c".*, "g"."title", "g"."cover_image_id", to_json(c.acquired_at) #>> \'{}\' as "cursor_acquired_at" from "user_game_collection" as "c" inner join "games" as "g" on "g"."id" = "c"."game_id" where "c"."user_id" = $1 and "c"."is_active" = $2 and "c"."platform" = $3 order by "c"."acquired_at" desc, "c"."id" desc limit $4',
    );
    expect(titles(first)).toEqual(['Collected 5', 'Collected 4']);
    const second = await listCollection(t.db, 'dave', { platform: 'PS5', limit: 2, after: first.nextCursor });
    expect(t.sent[6]).toContain('and ("c"."acquired_at", "c"."id") < ($4::timestamptz, $5)');
    expect(titles(second)).toEqual(['Collected 2', 'Collected 0']);
    expect(second.nextCursor).toBeUndefined();
    expect(titles(await listCollection(t.db, 'dave', { priority: 2 }))).toEqual(['Collected 6', 'Collected 1']);
    expect(titles(await listCollection(t.db, 'dave', { acquiredFrom: day(12), acquiredBefore: day(14) }))).toEqual(['Collected 3', 'Collected 2']);
    const removed = (await listCollection(t.db, 'dave', { platform: 'Switch' })).items[0]!;
    await removeFromCollection(t.db, { userId: 'dave', id: removed.id });
    expect(titles(await listCollection(t.db, 'dave', { active: false }))).toEqual(['Collected 6']);
    expect((await listCollection(t.db, 'dave', { active: 'any' })).items).toHaveLength(7);
  });
});
