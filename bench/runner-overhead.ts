/**
 * What the runner's safety costs: `upgrade head` from an empty database through the CLI (lock per
 * revision, re-read of the version table, history rows, process start) against the same revisions
 * as offline SQL applied with psql, and ten runners started at once.
 *
 *   npm run build && npx tsx bench/runner-overhead.ts postgresql://postgres@127.0.0.1:5432/postgres [runs]
 *
 * The URL is an admin URL (database postgres) of a throw-away server: databases named
 * bench_runner_* are created and dropped there. Prints medians and writes bench/results/runner-overhead.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect, disconnect } from '../src/db/connect.js';
import { withDatabase as urlWith } from '../src/db/database-url.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'play-later-db.js');
const adminUrl = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!adminUrl) throw new Error('usage: npx tsx bench/runner-overhead.ts <admin URL> [runs]');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'plt-bench-'));
const env = { ...process.env, PLAY_LATER_DATA_DIR: path.join(scratch, 'no-embedded') };

async function withFreshDatabase(work: (url: string) => Promise<void>): Promise<number> {
  const name = `bench_runner_${process.pid}`;
  const admin = await connect(adminUrl!);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const started = performance.now();
    await work(urlWith(adminUrl!, name));
    return performance.now() - started;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await disconnect(admin);
  }
}

async function median(label: string, sample: () => Promise<number>): Promise<[string, number]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) times.push(await sample());
  times.sort((a, b) => a - b);
  const value = Math.round(times[Math.floor(times.length / 2)]!);
  console.log(`${label.padEnd(58)} ${String(value).padStart(6)} ms  (runs: ${times.map(Math.round).join(', ')})`);
  return [label, value];
}

const { stdout: script } = await run(process.execPath, [BIN, 'upgrade', 'head', '--sql'], { env, maxBuffer: 64 << 20 });
const scriptFile = path.join(scratch, 'upgrade.sql');
writeFileSync(scriptFile, script);
try {
  const results = Object.fromEntries([
    await median('CLI start-up alone (heads, no database)', async () => {
      const started = performance.now();
      await run(process.execPath, [BIN, 'heads'], { env });
      return performance.now() - started;
    }),
    await median('upgrade head, empty database (CLI, one runner)', () =>
      withFreshDatabase(async (url) => void (await run(process.execPath, [BIN, 'upgrade', 'head'], { env: { ...env, DATABASE_URL: url } }))),
    ),
    await median('the same as offline SQL via psql -f', () =>
      withFreshDatabase(async (url) => void (await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', scriptFile, url]))),
    ),
    await median('upgrade head --sql (render only, no database)', async () => {
      const started = performance.now();
      await run(process.execPath, [BIN, 'upgrade', 'head', '--sql'], { env, maxBuffer: 64 << 20 });
      return performance.now() - started;
    }),
    await median('10 runners at once: upgrade head, wall clock until all exit', () =>
      withFreshDatabase(async (url) => {
        await Promise.all(Array.from({ length: 10 }, () => run(process.execPath, [BIN, 'upgrade', 'head'], { env: { ...env, DATABASE_URL: url } })));
      }),
    ),
  ]);
  const server = await connect(adminUrl);
  const version = (await server.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await disconnect(server);
  const file = path.join(ROOT, 'bench', 'results', 'runner-overhead.json');
  writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), server: version, cpus: os.cpus().length, runs, medianMs: results }, null, 2)}\n`);
  console.log(`written to ${path.relative(process.cwd(), file)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
