import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchmarkOutcome, Measurement } from './benchmark.js';
import type { MachineInfo, ServerInfo } from './bench-server.js';

export const RESULTS_DIR = path.resolve(import.meta.dirname, '..', 'results');

export interface BenchmarkResult extends BenchmarkOutcome {
  benchmark: string;
  title: string;
  size: string;
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo & { loadAverageAtEnd: number[] };
  server: ServerInfo;
  dataset: Record<string, unknown> | null;
}

/** bench/results/<size>/<benchmark>.<extension> (or under another results folder). */
export function resultFile(size: string, benchmark: string, extension = 'json', resultsDir = RESULTS_DIR): string {
  return path.join(resultsDir, size, `${benchmark}.${extension}`);
}

export function writeResult(result: BenchmarkResult, resultsDir = RESULTS_DIR): string {
  const file = resultFile(result.size, result.benchmark, 'json', resultsDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** One measurement as the cells of a table row: measure, value, baseline, ratio, target, met. */
function cells(m: Measurement): string[] {
  return [
    m.name,
    m.value === null ? `not finished${m.note ? ` (${m.note})` : ''}` : `${m.value} ${m.unit}${m.note ? ` (${m.note})` : ''}`,
    m.baseline === undefined ? '' : m.baseline === null ? 'not finished' : `${m.baseline} ${m.unit}${m.baselineLabel ? ` (${m.baselineLabel})` : ''}`,
    m.ratio === undefined || m.ratio === null ? '' : `${m.ratio}x`,
    m.target ?? '',
    m.met === undefined || m.met === null ? '' : m.met ? 'met' : 'MISSED',
  ];
}

const HEADER = ['measure', 'value', 'baseline', 'ratio', 'target', 'met'];

/** A plain-text table of the measurements (what `npm run bench` prints). */
export function formatTable(title: string, measurements: readonly Measurement[]): string {
  const rows = measurements.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (row: string[]): string => row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [`== ${title}`, line(HEADER), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/**
 * bench/results/<size>/summary.md: every result of that size (this run's and earlier ones) as
 * markdown tables with the machine and server they ran on, for the README.
 */
export function writeSummary(size: string, resultsDir = RESULTS_DIR): string {
  const folder = path.join(resultsDir, size);
  const results = readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as BenchmarkResult);
  const lines = [`# Benchmark results, ${size} size`, ''];
  for (const result of results) {
    lines.push(`## ${result.title}`, '');
    lines.push(`${result.startedAt}, ${result.durationSeconds} s; ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, load average ${result.machine.loadAverage?.join('/') ?? '?'} at start; ${result.server.version.split(' on ')[0]}${result.server.embedded ? ' (embedded)' : ''}`, '');
    lines.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`);
    for (const m of result.measurements) lines.push(`| ${cells(m).map((text) => text.replace(/\|/g, '\\|')).join(' | ')} |`);
    lines.push('');
  }
  const file = path.join(folder, 'summary.md');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
