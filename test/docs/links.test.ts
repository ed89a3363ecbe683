import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The Markdown a reader follows: the README, everything under docs/, the benchmarks' README. */
function documents(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => path.join('docs', name));
  return ['README.md', 'bench/README.md', ...docs];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)));
}

/** Relative links and images outside code: [text](target) with no scheme. */
function linksIn(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const link of linksIn(file)) {
    const [target, anchor] = link.split('#') as [string, string | undefined];
    const resolved = target === '' ? file : path.join(path.dirname(file), decodeURIComponent(target));
    if (!existsSync(path.join(ROOT, resolved))) {
      broken.push(`${link} (no file ${resolved})`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && statSync(path.join(ROOT, resolved)).isFile() && !anchorsIn(resolved).has(anchor)) {
      broken.push(`${link} (no heading #${anchor} in ${resolved})`);
    }
  }
  return broken;
}

describe('relative links in the documentation', () => {
  for (const file of documents()) {
    it(`${file} has no broken relative link`, () => {
      expect(brokenLinks(file)).toEqual([]);
    });
  }

  it('no document points outside the repository', () => {
    for (const file of documents()) {
      for (const link of linksIn(file)) {
        const resolved = path.resolve(ROOT, path.dirname(file), link.split('#')[0]!);
        expect(resolved.startsWith(ROOT + path.sep) || resolved === ROOT, `${file}: ${link}`).toBe(true);
      }
      expect(readFileSync(path.join(ROOT, file), 'utf8'), file).not.toContain('../shared');
    }
  });
});
