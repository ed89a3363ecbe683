/**
 * Does GIN maintenance dominate the games import? Imports the same new games (`--rows`, comma
 * separated sizes) on a throw-away embedded PostgreSQL at head, side by side in one run, three ways:
 *   shipped     importGamesCsv as it is: the pending list is merged every 4 MB (the server's
 *               gin_pending_list_limit), the rest at the end
 *   one merge   a 256 MB pending list (index storage parameter): all entries merged once, at the end
 *   no GIN      both GIN indexes dropped (the floor: what the import costs without them)
 * and times each statement of the import.
 *   npx tsx bench/import-games-gin.ts [--rows 10000,100000]
 */
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { csvLine, importGamesCsv } from '../src/repositories/game-import.js';
import { withHeadOnThrowawayServer } from '../scripts/lib/throwaway-head.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000,100000' } } });
const sizes = values.rows.split(',').map(Number);
const GIN = {
  // No pending list since revision 016 (fastupdate off): the "one merge" variant changes nothing for it.
  idx_games_search_keys: 'CREATE INDEX idx_games_search_keys ON games USING gin (game_search_keys(search_bucket, title, search_vector)) WITH (fastupdate = off)',
  idx_games_title_search: "CREATE INDEX idx_games_title_search ON games USING gin (to_tsvector('english'::regconfig, (title)::text))",
};
const WORDS = ['knight', 'dragon', 'space', 'castle', 'racing', 'puzzle', 'shadow', 'island', 'legend', 'robot', 'forest', 'ocean', 'empire', 'quest', 'storm'];

function* csv(rows: number, base: number): Generator<string> {
  yield csvLine(['igdb_id', 'title', 'description', 'release_date', 'main_story']);
  for (let i = 0; i < rows; i += 1) {
    const word = (k: number): string => `${WORDS[(i * 7 + k * 3) % WORDS.length]}${(i * 31 + k) % 997}`;
    yield csvLine([base + i, `${word(1)} ${word(2)} ${i}`, `A game about ${word(3)}, ${word(4)} and ${word(5)}; ${word(6)} ${word(7)} ${word(8)}.`, '2020-01-15', 5 + (i % 60)]);
  }
}

/** The client with every statement timed, by its first words. */
function timed(client: pg.Client, times: Record<string, number>): pg.Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      const query = target.query.bind(target) as (...a: unknown[]) => unknown;
      return (...args: unknown[]) => {
        // COPY is a stream the caller pipes into: passed through untimed (the rest of the total).
        if (typeof args[0] !== 'string') return query(...args);
        const key = args[0].trim().split(/\s+/).slice(0, 3).join(' ');
        const started = performance.now();
        return (query(...args) as Promise<unknown>).finally(() => {
          times[key] = Math.round((times[key] ?? 0) + performance.now() - started);
        });
      };
    },
  });
}

const variants = {
  shipped: { before: [] as string[], after: [] as string[] },
  'one merge': {
    before: Object.keys(GIN).map((index) => `ALTER INDEX ${index} SET (gin_pending_list_limit = 262144)`),
    after: Object.keys(GIN).map((index) => `ALTER INDEX ${index} RESET (gin_pending_list_limit)`),
  },
  'no GIN': { before: Object.keys(GIN).map((index) => `DROP INDEX ${index}`), after: Object.values(GIN) },
};

await withHeadOnThrowawayServer('bench', async (_url, client) => {
  const results = [];
  let base = 10_000_000;
  for (const rows of sizes) {
    for (const [variant, { before, after }] of Object.entries(variants)) {
      for (const statement of before) await client.query(statement);
      const times: Record<string, number> = {};
      const started = performance.now();
      await importGamesCsv(timed(client, times), Readable.from(csv(rows, base)));
      const seconds = (performance.now() - started) / 1000;
      for (const statement of after) await client.query(statement);
      results.push({ rows, variant, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), statementMs: times });
      process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
      await client.query('DELETE FROM games');
      await client.query('VACUUM games');
      base += rows;
    }
  }
  process.stdout.write(`${JSON.stringify({ measuredAt: new Date().toISOString(), results }, null, 2)}\n`);
});
