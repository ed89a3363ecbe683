import type { Kysely } from 'kysely';
import type { Database } from '../../repositories/connection.js';
import { searchGames } from '../../repositories/games.repository.js';
import { getUserStats } from '../../repositories/stats.repository.js';
import { MAX_PAGE_SIZE } from '../../repositories/validate-input.js';
import { PlayLaterError } from '../../errors.js';
import { kyselyOn } from '../../runner/single-connection-kysely.js';
import type { CommandContext } from '../command-context.js';
import { requireHead } from '../require-head.js';
import { plural } from '../../plural.js';

/** `search QUERY`: the games repository's full-text search, as a table. */
export async function searchCommand(context: CommandContext, query: string, flags: { user?: string; limit?: string }): Promise<void> {
  // Checked before the database is opened (an embedded one takes a moment to start).
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new PlayLaterError('E_USAGE', `--limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, not "${flags.limit}".`, { hint: 'For example: play-later-db search "dark souls" --limit 10' });
  }
  const graph = await context.graph();
  await context.withDatabase(async ({ client }) => {
    await requireHead(client, graph);
    const rows = await searchGames(kyselyOn(client) as Kysely<Database>, { query, userId: flags.user, limit });
    const lines = rows.map((row) => `${row.search_rank.toFixed(4)}  ${row.owned ? 'owned' : '     '}  ${row.release_date ?? '          '}  ${row.title}`);
    context.output.result([`rank    owned  released    title`, ...lines, `(${plural(rows.length, 'game')})`].join('\n'), { ok: true, query, games: rows });
  }, { readOnly: true });
}

/** `stats USER`: the user's row of user_game_stats. */
export async function statsCommand(context: CommandContext, userId: string): Promise<void> {
  const graph = await context.graph();
  await context.withDatabase(async ({ client }) => {
    await requireHead(client, graph);
    const stats = await getUserStats(kyselyOn(client) as Kysely<Database>, userId);
    const text = stats
      ? Object.entries(stats)
          .map(([name, value]) => `${name.padEnd(24)} ${value instanceof Date ? value.toISOString() : String(value)}`)
          .join('\n')
      : `No stats for ${userId}: no games and no playthroughs.`;
    context.output.result(text, { ok: true, userId, stats: stats ?? null });
  }, { readOnly: true });
}
