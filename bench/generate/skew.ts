/**
 * How many collection rows each user has: a deterministic, heavily skewed distribution pinned at
 * the points the issue gives (median 14, p99.9 about 800, the heaviest about 54,000 at full size)
 * and scaled so that the rows add up to exactly the requested total.
 *
 * The count is interpolated in log-log space over q = the user's rank from the top / users (a
 * power law between anchors), with one free anchor at q = 0.05 solved by bisection for the total.
 */
export interface SkewTargets {
  users: number;
  totalRows: number;
  median: number;
  p999: number;
  heaviest: number;
}

const FREE_ANCHOR_Q = 0.05;

export function countsPerUser(targets: SkewTargets): number[] {
  const { users, totalRows } = targets;
  let low = targets.median;
  let high = targets.p999;
  let counts = countsFor(targets, low);
  for (let step = 0; step < 60; step += 1) {
    const middle = (low + high) / 2;
    counts = countsFor(targets, middle);
    const sum = counts.reduce((a, b) => a + b, 0);
    if (sum > totalRows) high = middle;
    else low = middle;
  }
  counts = countsFor(targets, low);
  // Rounding leaves a few rows over or under: settle them on the users just above the median.
  let missing = totalRows - counts.reduce((a, b) => a + b, 0);
  for (let rank = Math.floor(users * 0.4); missing !== 0; rank = rank <= 1 ? Math.floor(users * 0.4) : rank - 1) {
    const change = missing > 0 ? 1 : -1;
    if (counts[rank]! + change < 1) continue;
    counts[rank]! += change;
    missing -= change;
  }
  return counts;
}

/** counts[rank], rank 0 the heaviest user. */
function countsFor(targets: SkewTargets, freeValue: number): number[] {
  const anchors: Array<[number, number]> = [
    [1 / targets.users, targets.heaviest],
    [0.001, targets.p999],
    [FREE_ANCHOR_Q, freeValue],
    [0.5, targets.median],
    [1, 1],
  ];
  const logAnchors = anchors.map(([q, v]) => [Math.log(q), Math.log(v)] as const);
  const counts: number[] = [];
  for (let rank = 0; rank < targets.users; rank += 1) {
    const q = Math.max((rank + 0.5) / targets.users, 1 / targets.users);
    const x = Math.log(q);
    let index = 0;
    while (index < logAnchors.length - 2 && x > logAnchors[index + 1]![0]) index += 1;
    const [x0, y0] = logAnchors[index]!;
    const [x1, y1] = logAnchors[index + 1]!;
    const y = x <= x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    counts.push(Math.max(1, Math.round(Math.exp(y))));
  }
  return counts;
}
