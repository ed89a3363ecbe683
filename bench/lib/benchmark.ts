import type { LoadedDataset } from '../generate/load-dataset.js';
import type { DatasetSize } from '../generate/dataset.js';
import type { BenchServer } from './bench-server.js';

/** One figure of a benchmark, printed as a table row and written to its JSON. */
export interface Measurement {
  name: string;
  /** null: it did not finish (hit a bound) or does not apply; note says which. */
  value: number | null;
  unit: string;
  /** The same figure for the seed's definitions or the floor, measured in the same run. */
  baseline?: number | null;
  baselineLabel?: string;
  /** value / baseline, or the median of per-pair ratios where pairs were run. */
  ratio?: number | null;
  target?: string;
  met?: boolean | null;
  note?: string;
}

export interface BenchmarkOutcome {
  measurements: Measurement[];
  details: Record<string, unknown>;
}

export interface BenchOptions {
  /** Alternating pairs per comparison (≥ 5 for reported results). */
  pairs: number;
  /** Runs per hot query (≥ 1,000 for reported results). */
  runs: number;
  /**
   * Most runs of the seed's definitions per hot query (undefined: as many as ours, and 36 for a
   * search from 100k games up); 0 leaves the seed out, e.g. to re-measure ours alone.
   */
  baselineRuns?: number;
}

export interface BenchContext {
  server: BenchServer;
  size: DatasetSize;
  options: BenchOptions;
  /** Where results (JSON, the chart) are written: bench/results unless told otherwise. */
  resultsDir: string;
  /** The loaded data set; every benchmark that needs rows gets it. */
  dataset(): Promise<LoadedDataset>;
  log(line: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(context: BenchContext): Promise<BenchmarkOutcome>;
}

export function target(value: number | null, limit: number, text: string): Pick<Measurement, 'target' | 'met'> {
  return { target: text, met: value === null ? false : value <= limit };
}
