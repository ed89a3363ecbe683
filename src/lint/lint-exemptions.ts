import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PlayLaterError, messageOf } from '../errors.js';

/** Beside the revisions it exempts, so a reviewer sees both in one folder. */
export const EXEMPTIONS_FILE = 'lint-exemptions.json';

export interface LintExemption {
  revision: string;
  rule: string;
  /** Why this finding is acceptable for this revision: required, shown by `lint`. */
  reason: string;
}

/**
 * The recorded exemptions: a revision may break a rule only when an entry names both and says why.
 * Meant for the frozen seed revisions; a new revision fixes its SQL instead.
 */
export function readLintExemptions(revisionsDir: string): LintExemption[] {
  const file = path.join(revisionsDir, EXEMPTIONS_FILE);
  if (!existsSync(file)) return [];
  const invalid = (problem: string): PlayLaterError =>
    new PlayLaterError('E_CONFIG', `${file}: ${problem}`, {
      hint: 'It holds {"exemptions": [{"revision": "<id>", "rule": "<squawk rule>", "reason": "<why>"}]}.',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(`not valid JSON (${messageOf(error)}).`);
  }
  const entries = (parsed as { exemptions?: unknown } | null)?.exemptions;
  if (!Array.isArray(entries)) throw invalid('no "exemptions" array.');
  return entries.map((entry: unknown, index) => {
    const { revision, rule, reason, ...rest } = (entry ?? {}) as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw invalid(`exemption ${index + 1} has unknown key(s) ${Object.keys(rest).join(', ')}.`);
    for (const [name, value] of Object.entries({ revision, rule, reason })) {
      if (typeof value !== 'string' || value.trim() === '') throw invalid(`exemption ${index + 1} needs a non-empty "${name}".`);
    }
    return { revision, rule, reason } as LintExemption;
  });
}
