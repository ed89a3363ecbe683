/**
 * What a long statement waits on, sampled from pg_stat_activity: every `intervalMs`, a second
 * connection reads the wait event of the statement's backend and of its parallel workers
 * (leader_pid). "CPU" is a sample with no wait event (running, or waiting for a core of the
 * machine, which PostgreSQL cannot tell apart). Shares are percentages of all samples.
 */
import type pg from 'pg';

export interface WaitProfile {
  samples: number;
  /** e.g. { "CPU": 97.1, "IO:DataFileRead": 2.9 }, largest first. */
  shares: Record<string, number>;
}

export async function profileWaits<T>(probe: pg.Client, pid: number, work: Promise<T>, intervalMs = 20): Promise<{ result: T; waits: WaitProfile }> {
  const counts = new Map<string, number>();
  let done = false;
  const settled = work.finally(() => (done = true));
  while (!done) {
    const { rows } = await probe.query<{ wait: string }>(
      `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait FROM pg_stat_activity WHERE (pid = $1 OR leader_pid = $1) AND state = 'active'`,
      [pid],
    );
    for (const { wait } of rows) counts.set(wait, (counts.get(wait) ?? 0) + 1);
    if (!done) await Promise.race([settled.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, intervalMs))]);
  }
  const result = await settled;
  const samples = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const shares = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([wait, count]) => [wait, Math.round((1000 * count) / samples) / 10]));
  return { result, waits: { samples, shares } };
}

/** "CPU 97 %, IO:DataFileRead 3 %" */
export function describeWaits(waits: WaitProfile): string {
  return Object.entries(waits.shares)
    .map(([wait, share]) => `${wait} ${Math.round(share)} %`)
    .join(', ');
}
