import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Distribution } from '../lib/measure.js';

export interface ChartRow {
  query: string;
  ours: Distribution;
  baseline: Distribution | null;
}

const PERCENTILES = ['p50', 'p95', 'p99'] as const;
const COLORS = { ours: ['#1b7837', '#5aae61', '#a6dba0'], seed: ['#762a83', '#9970ab', '#c2a5cf'] };

/**
 * A horizontal bar chart (SVG, log scale) of each hot query's p50/p95/p99, ours beside the seed's
 * baseline, drawn from the benchmark's own results.
 */
export function drawHotQueryChart(rows: readonly ChartRow[], size: string, file: string): void {
  const values = rows.flatMap((row) => [row.ours, row.baseline].flatMap((d) => (d ? PERCENTILES.map((p) => d[p]) : [])));
  const minimum = Math.max(0.01, Math.min(...values));
  const maximum = Math.max(...values);
  const lowLog = Math.floor(Math.log10(minimum));
  const highLog = Math.ceil(Math.log10(maximum));
  const left = 260;
  const width = 900;
  const plotWidth = width - left - 30;
  const bar = 9;
  const groupHeight = bar * 6 + 22;
  const top = 50;
  const height = top + rows.length * groupHeight + 50;
  const x = (ms: number): number => left + ((Math.log10(Math.max(ms, 10 ** lowLog)) - lowLog) / (highLog - lowLog)) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Hot queries at ${size} size: p50 / p95 / p99 (ms, log scale)</text>`,
    `<text x="${left}" y="36" fill="#1b7837">■ ours (head)</text><text x="${left + 110}" y="36" fill="#762a83">■ seed's original definitions</text>`,
  ];
  for (let power = lowLog; power <= highLog; power += 1) {
    const gx = x(10 ** power);
    parts.push(`<line x1="${gx}" y1="${top - 5}" x2="${gx}" y2="${height - 40}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${height - 25}" text-anchor="middle">${10 ** power}</text>`);
  }
  rows.forEach((row, index) => {
    const y0 = top + index * groupHeight;
    parts.push(`<text x="${left - 8}" y="${y0 + bar * 3 + 4}" text-anchor="end">${escapeXml(row.query)}</text>`);
    PERCENTILES.forEach((p, i) => {
      const ours = row.ours[p];
      parts.push(rect(left, y0 + i * bar, x(ours) - left, bar - 1, COLORS.ours[i]!, `ours ${p} ${ours} ms`));
      parts.push(`<text x="${x(ours) + 3}" y="${y0 + i * bar + bar - 1}" font-size="8">${p} ${ours}</text>`);
      const seedY = y0 + (i + 3) * bar;
      if (row.baseline) {
        const seed = row.baseline[p];
        parts.push(rect(left, seedY, x(seed) - left, bar - 1, COLORS.seed[i]!, `seed ${p} ${seed} ms`));
        parts.push(`<text x="${x(seed) + 3}" y="${seedY + bar - 1}" font-size="8">${p} ${seed}</text>`);
      } else if (i === 0) {
        parts.push(`<text x="${left + 3}" y="${seedY + bar - 1}" font-size="9" fill="#762a83">seed: did not finish (bounded refresh)</text>`);
      }
    });
  });
  parts.push('</svg>');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${parts.join('\n')}\n`);
}

function rect(x: number, y: number, w: number, h: number, fill: string, title: string): string {
  return `<rect x="${x}" y="${y}" width="${Math.max(1, w)}" height="${h}" fill="${fill}"><title>${escapeXml(title)}</title></rect>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}
