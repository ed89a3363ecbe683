import type { Kysely } from 'kysely';
import type { Database } from '../../repositories/connection.js';
import { searchGames } from '../../repositories/games.repository.js';
import { getUserStats } from '../../repositories/stats.repository.js';
import { kyselyOn } from '../../runner/single-connection-kysely.js';
import type { CommandContext } from '../command-context.js';
import { requireHead } from '../require-head.js';
import { plural } from '../../plural.js';

/** `search QUERY`: the games repository's full-text search, as a table. */
export async function searchCommand(context: CommandContext, query: string, flags: { user?: string; limit?: string }): Promise<void> {
  const graph = await context.graph();
  await context.withDatabase(async ({ client }) => {
    await requireHead(client, graph);
    const limit = flags.limit === undefined ? undefined : Number(flags.limit);
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
