/**
 * What keeping user_game_stats exact costs each write: the repositories call
 * refresh_user_stats(user) in the writing transaction. Measures, on a throw-away embedded
 * PostgreSQL at head filled with `--users` users (25 collection rows and 25 playthroughs each),
 * the same write with and without the refresh, interleaved so both see the same machine load.
 *   npx tsx bench/stats-write-cost.ts [--users 10000] [--writes 300]
 * Prints a JSON summary and writes it to bench/results/stats-write-cost.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addToCollection } from '../src/repositories/collection.repository.js';
import { createDatabase } from '../src/repositories/connection.js';
import { completePlaythrough } from '../src/repositories/playthroughs.repository.js';
import { withHeadOnThrowawayServer } from '../scripts/lib/throwaway-head.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { users: { type: 'string', default: '10000' }, writes: { type: 'string', default: '300' } } });
const users = Number(values.users);
const writes = Number(values.writes);

await withHeadOnThrowawayServer('bench', async (url, client) => {
  const loadStarted = performance.now();
  await client.query(`INSERT INTO games (igdb_id, title, main_story) SELECT g, 'Bench game ' || g, 10 + g % 50 FROM generate_series(1, 20000) g`);
  await client.query(
    `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, priority)
     SELECT 'u' || u, (SELECT id FROM games WHERE igdb_id = 1 + (u * 37 + i * 101) % 20000), (ARRAY['PS5','Steam','Xbox','Switch'])[1 + i % 4], 'DIGITAL', now() - interval '1 day' * i, 1 + i % 5
       FROM generate_series(1, ${users}) u, generate_series(1, 25) i`,
  );
  await client.query(
    `INSERT INTO game_playthrough (user_id, game_id, platform, status, started_at, play_time_hours, rating)
     SELECT c.user_id, c.game_id, c.platform, (ARRAY['PLAYING','COMPLETED','PLANNING','DROPPED'])[1 + abs(hashtext(c.id::text)) % 4], now() - interval '30 days', 12.5, 7
       FROM user_game_collection c`,
  );
  await client.query('SELECT refresh_user_stats()');
  await client.query('VACUUM ANALYZE');
  const loadMs = performance.now() - loadStarted;

  const db = createDatabase(url, { max: 1 });
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const plainInsert: number[] = [];
  const repositoryInsert: number[] = [];
  const plainComplete: number[] = [];
  const repositoryComplete: number[] = [];
  const gameId = (await client.query<{ id: string }>('SELECT id FROM games WHERE igdb_id = 1')).rows[0]!.id;
  const acquired = new Date(Date.now() - 86_400_000);
  for (let i = 0; i < writes; i += 1) {
    const user = `u${1 + ((i * 7919) % users)}`;
    plainInsert.push(
      await timed(() =>
        db.transaction().execute((trx) =>
          trx.insertInto('user_game_collection').values({ user_id: user, game_id: gameId, platform: `plain-${i}`, acquisition_type: 'DIGITAL', acquired_at: acquired }).execute(),
        ),
      ),
    );
    repositoryInsert.push(await timed(() => addToCollection(db, { user_id: user, game_id: gameId, platform: `repo-${i}`, acquisition_type: 'DIGITAL', acquired_at: acquired })));
    const [a, b] = (
      await client.query<{ id: string }>(`SELECT id FROM game_playthrough WHERE user_id = $1 AND status = 'PLAYING' ORDER BY id LIMIT 2`, [user])
    ).rows;
    if (a && b) {
      const completedAt = new Date();
      plainComplete.push(
        await timed(() =>
          db.transaction().execute((trx) =>
            trx.updateTable('game_playthrough').set({ status: 'COMPLETED', play_time_hours: 20, rating: 8, completed_at: completedAt }).where('id', '=', a.id).where('user_id', '=', user).execute(),
          ),
        ),
      );
      repositoryComplete.push(await timed(() => completePlaythrough(db, { userId: user, id: b.id }, { play_time_hours: 20, rating: 8, completed_at: completedAt })));
    }
  }
  await db.destroy();
  // The refresh alone, inside the server (one round trip for many users): what each write pays
  // without the client's scheduling noise.
  const loopUsers = Math.min(users, 1000);
  const loopStarted = performance.now();
  await client.query(`DO $$ BEGIN FOR i IN 1..${loopUsers} LOOP PERFORM refresh_user_stats('u' || i); END LOOP; END $$`);
  const refreshInServerMs = (performance.now() - loopStarted) / loopUsers;
  const summary = {
    measuredAt: new Date().toISOString(),
    postgres: (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v,
    users,
    collectionRows: users * 25,
    playthroughRows: users * 25,
    writes,
    loadSeconds: round(loadMs / 1000),
    msPerWrite: {
      insertCollection: { plain: stats(plainInsert), withRefresh: stats(repositoryInsert) },
      completePlaythrough: { plain: stats(plainComplete), withRefresh: stats(repositoryComplete) },
    },
    refreshInServerMsPerUser: round(refreshInServerMs),
    addedMedianMs: {
      insertCollection: round(median(repositoryInsert) - median(plainInsert)),
      completePlaythrough: round(median(repositoryComplete) - median(plainComplete)),
    },
  };
  const text = `${JSON.stringify(summary, null, 2)}\n`;
  process.stdout.write(text);
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'stats-write-cost.json'), text);
});

function median(samples: number[]): number {
  return percentile(samples, 50);
}
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
function stats(samples: number[]): { p50: number; p95: number; n: number } {
  return { p50: round(median(samples)), p95: round(percentile(samples, 95)), n: samples.length };
}
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
