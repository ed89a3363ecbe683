/** How a generated revision's statements are arranged so that it blocks no one (online-steps.ts). */
import { describe, expect, it } from 'vitest';
import { fitsOneTransaction, onlineSteps } from '../../src/schema/online-steps.js';

describe('onlineSteps', () => {
  it('builds indexes on existing tables concurrently after the structure, attaches their constraints, validates each NOT VALID constraint alone', () => {
    const steps = onlineSteps([
      'alter table "public"."games" add column "metacritic_score" integer',
      'CREATE INDEX idx_games_score ON public.games USING btree (metacritic_score)',
      'CREATE UNIQUE INDEX uq_games_steam ON public.games USING btree (steam_app_id)',
      'alter table "public"."games" add constraint "uq_games_steam" UNIQUE using index "uq_games_steam"',
      'alter table "public"."games" add constraint "ck_score" CHECK ((metacritic_score <= 100)) not valid',
      'alter table "public"."games" validate constraint "ck_score"',
      "COMMENT ON INDEX idx_games_score IS 'by score'",
    ]);
    expect(steps).toEqual([
      {
        kind: 'transaction',
        statements: [
          'alter table "public"."games" add column "metacritic_score" integer',
          'alter table "public"."games" add constraint "ck_score" CHECK ((metacritic_score <= 100)) not valid',
        ],
      },
      { kind: 'alone', statement: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_score ON public.games USING btree (metacritic_score)' },
      { kind: 'alone', statement: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_games_steam ON public.games USING btree (steam_app_id)' },
      {
        kind: 'transaction',
        statements: ['alter table "public"."games" add constraint "uq_games_steam" UNIQUE using index "uq_games_steam"', "COMMENT ON INDEX idx_games_score IS 'by score'"],
      },
      { kind: 'transaction', statements: ['alter table "public"."games" validate constraint "ck_score"'] },
    ]);
    expect(fitsOneTransaction(steps)).toBe(false);
  });

  it('creates the indexes and constraints of a new table plainly, in its transaction', () => {
    const steps = onlineSteps([
      'create table "public"."wishlist" ("id" uuid not null, "game_id" uuid not null)',
      'CREATE UNIQUE INDEX wishlist_pkey ON public.wishlist USING btree (id)',
      'alter table "public"."wishlist" add constraint "wishlist_pkey" PRIMARY KEY using index "wishlist_pkey"',
      'alter table "public"."wishlist" add constraint "wishlist_game_id_fkey" FOREIGN KEY (game_id) REFERENCES games(id) not valid',
      'alter table "public"."wishlist" validate constraint "wishlist_game_id_fkey"',
    ]);
    expect(steps).toEqual([
      {
        kind: 'transaction',
        statements: [
          'create table "public"."wishlist" ("id" uuid not null, "game_id" uuid not null)',
          'CREATE UNIQUE INDEX wishlist_pkey ON public.wishlist USING btree (id)',
          'alter table "public"."wishlist" add constraint "wishlist_pkey" PRIMARY KEY using index "wishlist_pkey"',
          'alter table "public"."wishlist" add constraint "wishlist_game_id_fkey" FOREIGN KEY (game_id) REFERENCES games(id)',
        ],
      },
    ]);
    expect(fitsOneTransaction(steps)).toBe(true);
  });

  it('drops indexes of tables that stay concurrently and first; the index of a dropped constraint goes with it', () => {
    const steps = onlineSteps([
      'alter table "public"."wishlist" drop constraint "wishlist_pkey"',
      'drop index if exists "public"."idx_games_score"',
      'drop index if exists "public"."wishlist_pkey"',
      'drop table "public"."wishlist"',
    ]);
    expect(steps).toEqual([
      { kind: 'alone', statement: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."idx_games_score"' },
      {
        kind: 'transaction',
        statements: ['alter table "public"."wishlist" drop constraint "wishlist_pkey"', 'drop index if exists "public"."wishlist_pkey"', 'drop table "public"."wishlist"'],
      },
    ]);
  });
});
