/**
 * Seed-era data: rows as the seed's schema (revision 005) let them be written. Plain SQL left
 * is_active NULL, a playthrough could link another user's (or another game's) collection row, and
 * sessions held their ids and tokens in clear. Tests of the corrections load these rows at 005 and
 * compute what they expect from these arrays, independently of the database.
 */
import type pg from 'pg';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from './migrate.js';
import type { TestServer } from './servers.js';
import { SEED_REVISION } from './template-databases.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface SeedGame {
  igdbId: number;
  title: string;
  description: string | null;
}
export interface SeedCollectionRow {
  key: string;
  userId: string;
  igdbId: number;
  platform: string;
  /** null: written with plain SQL, as the seed allowed. */
  isActive: boolean | null;
}
export interface SeedPlaythrough {
  key: string;
  userId: string;
  igdbId: number;
  status: string;
  platform: string;
  hours: string | null;
  rating: number | null;
  /** Key of the linked collection row, which may belong to another user or game. */
  collection: string | null;
}
export interface SeedSession {
  sessionId: string;
  userId: string;
}

export const SEED_GAMES: readonly SeedGame[] = [
  { igdbId: 1, title: 'Dark Souls', description: 'A dark fantasy action game' },
  { igdbId: 2, title: 'Dark Souls II', description: 'The dark sequel' },
  { igdbId: 3, title: 'Breath of the Wild', description: 'An open-air adventure' },
  { igdbId: 4, title: 'Mario Kart 8', description: null },
  { igdbId: 5, title: 'Star Wars Outlaws', description: 'A dark galaxy, far away' },
];

export const SEED_COLLECTION: readonly SeedCollectionRow[] = [
  { key: 'alice-1-ps5', userId: 'alice', igdbId: 1, platform: 'PS5', isActive: null },
  { key: 'alice-1-steam', userId: 'alice', igdbId: 1, platform: 'Steam', isActive: true },
  { key: 'alice-3-switch', userId: 'alice', igdbId: 3, platform: 'Switch', isActive: false },
  { key: 'bob-1-xbox', userId: 'bob', igdbId: 1, platform: 'Xbox', isActive: true },
  { key: 'bob-2-ps5', userId: 'bob', igdbId: 2, platform: 'PS5', isActive: null },
  { key: 'carol-4-steam', userId: 'carol', igdbId: 4, platform: 'Steam', isActive: null },
  { key: 'erin-5-xbox', userId: 'erin', igdbId: 5, platform: 'Xbox', isActive: false },
];

export const SEED_PLAYTHROUGHS: readonly SeedPlaythrough[] = [
  { key: 'alice-1-done', userId: 'alice', igdbId: 1, status: 'COMPLETED', platform: 'PS5', hours: '30.50', rating: 8, collection: 'alice-1-ps5' },
  { key: 'alice-1-now', userId: 'alice', igdbId: 1, status: 'PLAYING', platform: 'Steam', hours: '2.25', rating: null, collection: 'alice-1-steam' },
  { key: 'alice-3-done', userId: 'alice', igdbId: 3, status: 'COMPLETED', platform: 'Switch', hours: '10.00', rating: 5, collection: null },
  // Links alice's row: another user's collection (docs/seed-notes.md item 5).
  { key: 'bob-1-done', userId: 'bob', igdbId: 1, status: 'COMPLETED', platform: 'Xbox', hours: '12.75', rating: 9, collection: 'alice-1-ps5' },
  // Links bob's own row, but of another game.
  { key: 'bob-2-plan', userId: 'bob', igdbId: 2, status: 'PLANNING', platform: 'PS5', hours: null, rating: null, collection: 'bob-1-xbox' },
  { key: 'bob-1-hold', userId: 'bob', igdbId: 1, status: 'ON_HOLD', platform: 'Xbox', hours: '3.00', rating: null, collection: 'bob-1-xbox' },
  { key: 'dave-5-drop', userId: 'dave', igdbId: 5, status: 'DROPPED', platform: 'PS5', hours: '1.50', rating: 2, collection: null },
];

export const SEED_SESSIONS: readonly SeedSession[] = [
  { sessionId: 'sess-alice-1', userId: 'alice' },
  { sessionId: 'sess-alice-2', userId: 'alice' },
  { sessionId: 'sess-bob-1', userId: 'bob' },
];

/** Inserts the seed-era rows into a database at 005 (or any later revision that accepts them). */
export async function insertSeedEraData(client: pg.Client): Promise<void> {
  for (const game of SEED_GAMES) {
    await client.query(`INSERT INTO games (igdb_id, title, description) VALUES ($1, $2, $3)`, [game.igdbId, game.title, game.description]);
  }
  for (const row of SEED_COLLECTION) {
    await client.query(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, is_active, notes, updated_at)
       SELECT $1, id, $3, 'DIGITAL', TIMESTAMPTZ '2024-01-02 03:04:05+00', $4, $5, TIMESTAMPTZ '2024-02-03 04:05:06+00' FROM games WHERE igdb_id = $2`,
      [row.userId, row.igdbId, row.platform, row.isActive, row.key],
    );
  }
  for (const play of SEED_PLAYTHROUGHS) {
    await client.query(
      `INSERT INTO game_playthrough (user_id, game_id, collection_id, status, platform, play_time_hours, rating, notes, updated_at)
       SELECT $1, g.id, (SELECT c.id FROM user_game_collection c WHERE c.notes = $7), $3, $4, $5, $6, $8, TIMESTAMPTZ '2024-03-04 05:06:07+00'
         FROM games g WHERE g.igdb_id = $2`,
      [play.userId, play.igdbId, play.status, play.platform, play.hours, play.rating, play.collection, play.key],
    );
  }
  for (const session of SEED_SESSIONS) {
    await client.query(
      `INSERT INTO user_sessions (session_id, user_id, access_token, refresh_token, expires_at)
       VALUES ($1::varchar, $2, 'access-' || $1::varchar, 'refresh-' || $1::varchar, now() + interval '1 day')`,
      [session.sessionId, session.userId],
    );
  }
}

/** A database of the test's own at 005 (a clone of the seed template), holding the seed-era rows, then moved to `revision`. */
export async function createSeedEraDatabase(
  graph: RevisionGraph,
  revision = SEED_REVISION,
  server?: TestServer,
): Promise<{ database: TestDatabase; client: pg.Client }> {
  const database = await createTestDatabase({ from: SEED_REVISION, server });
  const client = await database.connect();
  await insertSeedEraData(client);
  if (revision !== SEED_REVISION) await migrateTo(client, graph, revision);
  return { database, client };
}
