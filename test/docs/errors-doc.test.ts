import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS_DOC_FILE, errorsDocument } from '../../scripts/lib/errors-doc.js';
import { ERROR_CODES } from '../../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('docs/errors.md', () => {
  it(`is generated from src/errors.ts and fresh (else run npm run docs:errors)`, () => {
    expect(readFileSync(path.join(ROOT, ERRORS_DOC_FILE), 'utf8')).toBe(errorsDocument());
  });

  it('lists every code with its exit status and a hint', () => {
    const doc = errorsDocument();
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(doc).toContain(`| \`${code}\` | ${entry.exit} |`);
      expect(entry.hint.length).toBeGreaterThan(10);
    }
  });
});
