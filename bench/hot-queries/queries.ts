import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Random } from '../generate/random.js';
import { PLATFORMS, STATUSES } from '../generate/dataset.js';

/** Where a query's objects live: the corrected ones (public) or the seed's originals. */
export type Definitions = 'public' | 'seed_baseline';

export interface HotQuery {
  name: string;
  /** User-scoped (target p99 ≤ 2 ms) or a search (target p95 ≤ 10 ms). */
  kind: 'user' | 'search';
  sql(definitions: Definitions): string;
  params(pick: QueryPicker): unknown[];
}

export interface QueryPicker {
  random: Random;
  user(): string;
  phrase(): string;
}

/** The committed search phrases: common two-word phrases (thousands of matches), single words, rare words. */
export const SEARCH_PHRASES: string[] = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'search-phrases.json'), 'utf8'),
) as string[];

/**
 * The app's hot queries. Plain tables are the same for both definitions; the views, search_games
 * and user_game_stats are the seed's originals in schema seed_baseline.
 */
export const HOT_QUERIES: HotQuery[] = [
  {
    name: 'active collection, platform filter, page',
    kind: 'user',
    sql: (d) => `SELECT id, game_id, title, cover_image_id, platform, acquisition_type, acquired_at, priority
                   FROM ${d}.active_collection WHERE user_id = $1 AND platform = $2
                  ORDER BY acquired_at DESC LIMIT 20 OFFSET $3`,
    params: (pick) => [pick.user(), pick.random.pick(PLATFORMS.slice(0, 4)), pick.random.pick([0, 0, 20, 40])],
  },
  {
    name: 'playthroughs by status, page',
    kind: 'user',
    sql: (d) => `SELECT id, game_id, title, status, platform, started_at, completed_at, play_time_hours, rating, completion_percentage
                   FROM ${d}.playthrough_summary WHERE user_id = $1 AND status = $2
                  ORDER BY updated_at DESC LIMIT 20`,
    params: (pick) => [pick.user(), pick.random.pick(STATUSES)],
  },
  {
    name: 'playthrough summary by status',
    kind: 'user',
    sql: () => `SELECT status, count(*) AS playthroughs, round(sum(play_time_hours), 1) AS hours, round(avg(rating), 1) AS rating
                  FROM game_playthrough WHERE user_id = $1 GROUP BY status`,
    params: (pick) => [pick.user()],
  },
  {
    name: "user's stats",
    kind: 'user',
    sql: (d) => `SELECT * FROM ${d}.user_game_stats WHERE user_id = $1`,
    params: (pick) => [pick.user()],
  },
  {
    name: 'search_games (no user)',
    kind: 'search',
    sql: (d) => `SELECT * FROM ${d}.search_games($1)`,
    params: (pick) => [pick.phrase()],
  },
  {
    name: 'search_games (with user)',
    kind: 'search',
    sql: (d) => `SELECT * FROM ${d}.search_games($1, $2)`,
    params: (pick) => [pick.phrase(), pick.user()],
  },
];

export const LARGE_TABLES = ['games', 'user_game_collection', 'game_playthrough', 'user_game_stats'];
