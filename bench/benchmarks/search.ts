import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { isFullScale } from '../generate/dataset.js';
import { SEARCH_PHRASES } from '../hot-queries/queries.js';
import { distribution, median, round, timeMs, type Distribution } from '../lib/measure.js';
import type { Benchmark, Measurement } from '../lib/benchmark.js';

/**
 * What the search's ordering (revision 016: title matches first, then the most owned, then title)
 * gives up and buys, against the exact ts_rank ordering search_games had before:
 * - recall@20 per committed phrase: the share of our top 20 that is in the exact top 20, ties
 *   counted (a game whose ts_rank equals the 20th's is in it);
 * - what a user sees in each top 20: how many titles hold every word of the query, and the median
 *   count of active owners of the games shown;
 * - the write cost of the search's upkeep (the bucket trigger and idx_games_search_keys): single
 *   game inserts and title updates, p95, with it and with it dropped (in a transaction rolled back),
 *   alternately in one run.
 */
export interface PhraseQuality {
  phrase: string;
  matches: number;
  recallAt20: number;
  titleMatches: { ours: number; exact: number };
  medianOwners: { ours: number; exact: number };
  /** The first five titles of each ordering, for the README. */
  top: { ours: string[]; exact: string[] };
}

const EXACT = `SELECT g.id, g.title, ts_rank(g.search_vector, q) AS rank
                 FROM games g, plainto_tsquery('english', $1) AS q
                WHERE g.search_vector @@ q
                ORDER BY rank DESC, g.title, g.id LIMIT 20`;

export const benchmark: Benchmark = {
  name: 'search',
  title: 'Search: ranking quality against ts_rank, and the write cost of its index',
  async run(context) {
    const dataset = await context.dataset();
    const client = await connect(dataset.url, { applicationName: 'play-later-bench-search' });
    try {
      const phrases: PhraseQuality[] = [];
      for (const phrase of SEARCH_PHRASES) {
        context.log(`  quality: ${phrase}`);
        phrases.push(await quality(client, phrase));
      }
      const writes = await writeCost(client, isFullScale(context.size) ? 200 : 100, Math.max(context.options.pairs, 2));
      // The rolled-back rows left dead index entries behind: gone before the next benchmark reads.
      await client.query('VACUUM games');
      const judged = phrases.filter((phrase) => phrase.matches > 0);
      const meanRecall = round(judged.reduce((sum, phrase) => sum + phrase.recallAt20, 0) / Math.max(judged.length, 1));
      const measurements: Measurement[] = [
        {
          name: 'recall@20 against ts_rank (mean over phrases that match)',
          value: meanRecall,
          unit: '',
          target: 'mean >= 0.9, or a better ordering shown (README)',
          met: meanRecall >= 0.9,
          note: judged.map((phrase) => `${phrase.phrase} ${phrase.recallAt20}`).join('; '),
        },
        {
          name: 'titles holding every word, in the top 20 (sum over phrases)',
          value: sum(judged.map((phrase) => phrase.titleMatches.ours)),
          unit: 'games',
          baseline: sum(judged.map((phrase) => phrase.titleMatches.exact)),
          baselineLabel: 'ts_rank',
        },
        {
          name: 'median active owners of the top 20 (median over phrases)',
          value: median(judged.map((phrase) => phrase.medianOwners.ours)),
          unit: 'owners',
          baseline: median(judged.map((phrase) => phrase.medianOwners.exact)),
          baselineLabel: 'ts_rank',
        },
        ...(['insert', 'update'] as const).map((kind) => ({
          name: `game ${kind} p95 with the search's upkeep`,
          value: writes[kind].with.p95,
          unit: 'ms',
          baseline: writes[kind].without.p95,
          baselineLabel: 'without it',
          ratio: round(writes[kind].with.p95 / writes[kind].without.p95),
          note: `p50 ${writes[kind].with.p50} vs ${writes[kind].without.p50} ms; ${writes[kind].with.runs} single-row statements each`,
        })),
      ];
      return { measurements, details: { phrases, writes, meanRecall } };
    } finally {
      await disconnect(client);
    }
  },
};

async function quality(client: pg.Client, phrase: string): Promise<PhraseQuality> {
  const ours = (await client.query<{ id: string; title: string }>(`SELECT id, title FROM search_games($1, NULL, 20)`, [phrase])).rows;
  const exact = (await client.query<{ id: string; title: string; rank: number }>(EXACT, [phrase])).rows;
  const matches = Number(
    (await client.query<{ n: string }>(`SELECT count(*) AS n FROM games WHERE search_vector @@ plainto_tsquery('english', $1)`, [phrase])).rows[0]!.n,
  );
  const cutoff = exact.length === 20 ? exact[19]!.rank : Number.NEGATIVE_INFINITY;
  const ranks = await client.query<{ id: string; rank: number; title_match: boolean; owners: number }>(
    `SELECT g.id, ts_rank(g.search_vector, q) AS rank, to_tsvector('english', g.title) @@ q AS title_match,
            (SELECT count(DISTINCT c.user_id) FROM user_game_collection c WHERE c.game_id = g.id AND c.is_active)::int AS owners
       FROM games g, plainto_tsquery('english', $1) AS q WHERE g.id = ANY($2::uuid[])`,
    [phrase, [...ours, ...exact].map((row) => row.id)],
  );
  const byId = new Map(ranks.rows.map((row) => [row.id, row]));
  const inExact = ours.filter((row) => (byId.get(row.id)?.rank ?? -1) >= cutoff).length;
  const titleMatches = (rows: Array<{ id: string }>) => rows.filter((row) => byId.get(row.id)?.title_match).length;
  const owners = (rows: Array<{ id: string }>) => median(rows.map((row) => byId.get(row.id)?.owners ?? 0));
  return {
    phrase,
    matches,
    recallAt20: round(exact.length === 0 ? 1 : inExact / Math.min(20, exact.length)),
    titleMatches: { ours: titleMatches(ours), exact: titleMatches(exact) },
    medianOwners: { ours: owners(ours), exact: owners(exact) },
    top: { ours: ours.slice(0, 5).map((row) => row.title), exact: exact.slice(0, 5).map((row) => row.title) },
  };
}

type WriteKind = 'insert' | 'update';

/**
 * Single-row game inserts and title updates, in pairs of rounds: one with the search's upkeep, one
 * with the trigger and the index dropped inside the transaction; every round is rolled back.
 */
async function writeCost(client: pg.Client, statements: number, pairs: number): Promise<Record<WriteKind, { with: Distribution; without: Distribution }>> {
  const times: Record<WriteKind, Record<'with' | 'without', number[]>> = { insert: { with: [], without: [] }, update: { with: [], without: [] } };
  const { rows: sample } = await client.query<{ id: string }>(`SELECT id FROM games TABLESAMPLE SYSTEM (1) LIMIT $1`, [statements]);
  for (let pair = 0; pair < pairs; pair += 1) {
    for (const variant of pair % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      await client.query('BEGIN');
      try {
        if (variant === 'without') await client.query(`DROP TRIGGER assign_games_search_bucket ON games; DROP INDEX idx_games_search_keys`);
        for (let i = 0; i < statements; i += 1) {
          const title = `Bench Game ${pair}-${i} Dark Souls Legend`;
          times.insert[variant].push(await timeMs(() => client.query(`INSERT INTO games (title, description) VALUES ($1, 'a new game of the dark kingdom')`, [title])));
          const id = sample[i % sample.length]!.id;
          times.update[variant].push(await timeMs(() => client.query(`UPDATE games SET title = title || ' II' WHERE id = $1`, [id])));
        }
      } finally {
        await client.query('ROLLBACK');
      }
    }
  }
  return {
    insert: { with: distribution(times.insert.with), without: distribution(times.insert.without) },
    update: { with: distribution(times.update.with), without: distribution(times.update.without) },
  };
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
