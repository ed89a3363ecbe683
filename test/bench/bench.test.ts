/**
 * The benchmarks end to end at the small size on the test server (a smoke run: the JSON shape is
 * checked, never a timing), then the hot queries' plans on the data it loaded: no hot query may
 * read a large table sequentially, for a typical user, the heaviest user and every committed
 * search phrase. Needs the compiled CLI (npm test builds it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePicker, sampleUsers } from '../../bench/benchmarks/hot-queries.js';
import { explainQuery } from '../../bench/hot-queries/explain.js';
import { HOT_QUERIES, SEARCH_PHRASES } from '../../bench/hot-queries/queries.js';
import { dropDatabase } from '../../bench/lib/bench-server.js';
import { describeWaits, profileWaits } from '../../bench/lib/wait-events.js';
import { BENCHMARKS, parseBenchArguments, runBenchmarks } from '../../bench/run.js';
import { connect, disconnect } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { embeddedServer } from '../support/servers.js';

const server = embeddedServer();
const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'play-later-bench-results-'));
const DATASET = 'plt_bench_small';

describe('npm run bench at the small size', () => {
  let files: string[] = [];

  beforeAll(async () => {
    const args = parseBenchArguments(['--size', 'small', '--url', server.adminUrl, '--pairs', '1', '--runs', '30', '--results-dir', resultsDir]);
    files = await runBenchmarks(args, () => undefined);
  }, 600_000);

  afterAll(async () => {
    await dropDatabase(server.adminUrl, DATASET);
    rmSync(resultsDir, { recursive: true, force: true });
  });

  it('writes one result per benchmark, with machine, server and measurements', () => {
    expect(files.map((file) => path.basename(file, '.json')).sort()).toEqual([...BENCHMARKS].sort());
    for (const file of files) {
      const result = JSON.parse(readFileSync(file, 'utf8'));
      expect(result).toMatchObject({ size: 'small', machine: { cpus: expect.any(Number), memoryGiB: expect.any(Number) } });
      expect(result.server.version).toMatch(/^PostgreSQL \d+/);
      expect(result.measurements.length).toBeGreaterThan(0);
      for (const measurement of result.measurements) {
        expect(measurement).toMatchObject({ name: expect.any(String), unit: expect.any(String) });
        expect(measurement.value === null || typeof measurement.value === 'number').toBe(true);
      }
    }
    const hot = JSON.parse(readFileSync(path.join(resultsDir, 'small', 'hot-queries.json'), 'utf8'));
    expect(hot.details.queries).toHaveLength(HOT_QUERIES.length);
    // Searches: every committed phrase timed client- and server-side, and the slowest phrase reported.
    for (const search of hot.details.queries.filter((query: { kind: string }) => query.kind === 'search')) {
      expect(Object.keys(search.byPhrase).sort()).toEqual([...SEARCH_PHRASES].sort());
      expect(Object.keys(search.server.byPhrase).sort()).toEqual([...SEARCH_PHRASES].sort());
      expect(hot.measurements.map((m: { name: string }) => m.name)).toEqual(
        expect.arrayContaining([`${search.query} slowest phrase p95`, `${search.query} server-side slowest phrase p95`]),
      );
    }
    expect(readFileSync(path.join(resultsDir, 'small', 'hot-queries.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const stats = JSON.parse(readFileSync(path.join(resultsDir, 'small', 'stats.json'), 'utf8'));
    expect(stats.details.fullRefresh.ours.waits).toMatchObject({ samples: expect.any(Number), shares: expect.any(Object) });
    // Server-side (executor) times of the per-user refresh and the read: numbers, so every run was timed.
    expect(stats.details.perUserRefresh.typicalServer).toMatchObject({ p50: expect.any(Number), p95: expect.any(Number) });
    expect(stats.details.readServer).toMatchObject({ p50: expect.any(Number), p95: expect.any(Number) });
  });

  it('takes --baseline-runs (0 leaves the seed out) and refuses a negative count; the server from --url or PLAY_LATER_BENCH_URL', () => {
    expect(parseBenchArguments(['hot-queries', '--baseline-runs', '0']).baselineRuns).toBe(0);
    expect(parseBenchArguments(['hot-queries']).baselineRuns).toBeUndefined();
    expect(() => parseBenchArguments(['--baseline-runs', '-1'])).toThrow(/--baseline-runs must be a whole number/);
    // The server from the environment (the password stays out of ps); --url wins over it.
    expect(parseBenchArguments([], { PLAY_LATER_BENCH_URL: 'postgresql://u:p@h/db' }).url).toBe('postgresql://u:p@h/db');
    expect(parseBenchArguments(['--url', 'postgresql://u@other/db'], { PLAY_LATER_BENCH_URL: 'postgresql://u:p@h/db' }).url).toBe('postgresql://u@other/db');
    expect(parseBenchArguments([], {}).url).toBeUndefined();
  });

  it('profiles what a statement waits on: a pg_sleep is sampled as Timeout:PgSleep', async () => {
    const [client, probe] = await Promise.all([connect(server.adminUrl), connect(server.adminUrl)]);
    try {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const { waits } = await profileWaits(probe, pid, client.query('SELECT pg_sleep(0.3)'));
      expect(waits.samples).toBeGreaterThan(0);
      expect(Object.keys(waits.shares)[0]).toBe('Timeout:PgSleep');
      expect(describeWaits(waits)).toMatch(/^Timeout:PgSleep \d+ %/);
    } finally {
      await Promise.all([disconnect(client), disconnect(probe)]);
    }
  });

  it('plans no sequential scan of a large table for any hot query, and every search through idx_games_search_keys', async () => {
    const client = await connect(urlWith(server.adminUrl, DATASET));
    try {
      const sample = await sampleUsers(client);
      const picker = makePicker(sample, 11);
      const users = [sample.users[Math.floor(sample.users.length / 2)]!, sample.heaviest[0]!];
      const seqScans: string[] = [];
      for (const query of HOT_QUERIES) {
        const phrases = query.kind === 'search' ? SEARCH_PHRASES : [undefined];
        for (const user of users) {
          for (const phrase of phrases) {
            const params = query.params({ ...picker, user: () => user, phrase: () => phrase ?? '' });
            const plan = await explainQuery(client, query.sql('public'), params);
            if (plan.seqScans.length > 0) seqScans.push(`${query.name} ${JSON.stringify(params)}: ${plan.nodes.join(' > ')}`);
            // The search reads its buckets through the bucket-prefixed words' index (revision 016).
            if (query.kind === 'search' && !plan.indexes.includes('idx_games_search_keys')) {
              seqScans.push(`${query.name} ${JSON.stringify(params)}: not through idx_games_search_keys: ${plan.nodes.join(' > ')}`);
            }
          }
        }
      }
      expect(seqScans).toEqual([]);
    } finally {
      await disconnect(client);
    }
  });
});
