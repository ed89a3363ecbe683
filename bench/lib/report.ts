import { mkdirSync, writeFileSync } from 'node:fs';
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
  machine: MachineInfo;
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

/** A plain-text table of the measurements (what `npm run bench` prints). */
export function formatTable(title: string, measurements: readonly Measurement[]): string {
  const header = ['measure', 'value', 'baseline', 'ratio', 'target', 'met'];
  const rows = measurements.map((m) => [
    m.name,
    m.value === null ? `not finished${m.note ? ` (${m.note})` : ''}` : `${m.value} ${m.unit}`,
    m.baseline === undefined ? '' : m.baseline === null ? 'not finished' : `${m.baseline} ${m.unit}${m.baselineLabel ? ` (${m.baselineLabel})` : ''}`,
    m.ratio === undefined || m.ratio === null ? '' : `${m.ratio}x`,
    m.target ?? '',
    m.met === undefined || m.met === null ? '' : m.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [`== ${title}`, line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
