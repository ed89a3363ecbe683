/** Small statistics and timing helpers shared by every benchmark. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export interface Distribution {
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  return {
    runs: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
  };
}

/** Milliseconds, to 3 decimals: enough for sub-millisecond queries, short in JSON. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export interface PairedResult {
  a: number[];
  b: number[];
  /** Median of a, median of b, and the median of the per-pair ratios a/b. */
  medianA: number;
  medianB: number;
  medianRatio: number;
}

/**
 * Runs a and b alternately (a b, b a, a b, …) so that drifting machine load hits both alike, and
 * reports medians and the median of the per-pair ratios: on a shared machine only ratios measured
 * side by side mean something.
 */
export async function alternatingPairs(pairs: number, a: () => Promise<number>, b: () => Promise<number>): Promise<PairedResult> {
  const timesA: number[] = [];
  const timesB: number[] = [];
  for (let index = 0; index < pairs; index += 1) {
    if (index % 2 === 0) {
      timesA.push(await a());
      timesB.push(await b());
    } else {
      timesB.push(await b());
      timesA.push(await a());
    }
  }
  const ratios = timesA.map((value, index) => value / timesB[index]!);
  return { a: timesA.map((v) => round(v)), b: timesB.map((v) => round(v)), medianA: round(median(timesA)), medianB: round(median(timesB)), medianRatio: round(median(ratios)) };
}
