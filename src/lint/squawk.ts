import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { PlayLaterError, messageOf } from '../errors.js';
import { platformBinaryPath } from '../platform-binaries.js';

/**
 * How squawk is run. Rules left out, and why:
 * - prefer-bigint-over-int, prefer-bigint-over-smallint, prefer-text-field, prefer-identity: column
 *   type choices, reviewed with the schema (schema/schema.sql); they lock nothing and the seed's
 *   types are kept on purpose.
 * - ban-char-field: a column type choice too; and squawk 2.61 (the newest version published for
 *   all four platforms we install) reports `character varying`, as migra writes varchar, as if it
 *   were `character`, so every generated table with a varchar column failed.
 * - require-statement-timeout: statement_timeout bounds how long a revision itself runs, and the
 *   runner sets it in every revision's transaction from configuration (--statement-timeout), per
 *   deploy, because a legitimate CONCURRENTLY build on a large table may take long; squawk also
 *   counts a COMMENT ON as slow. What blocks other sessions is waiting for a lock, and that stays
 *   checked: require-lock-timeout is on, and each revision's SQL is preceded by the runner's own
 *   `SET LOCAL lock_timeout` (lintable-sql.ts), so it passes exactly when the runner's configured
 *   lock_timeout covers it (a lock timeout of 0, i.e. none, fails it).
 * Every rule about locks, table scans and rewrites stays on: index creation without CONCURRENTLY on
 * an existing table, NOT NULL without a default, constraints without NOT VALID, among others.
 */
export const EXCLUDED_RULES = [
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-text-field',
  'prefer-identity',
  'ban-char-field',
  'require-statement-timeout',
] as const;
/** The oldest server we support: rules whose safety depends on the version judge by it. */
export const SQUAWK_PG_VERSION = '15.0';

export interface SquawkFinding {
  file: string;
  /** 0-based line in the linted file. */
  line: number;
  rule: string;
  level: string;
  message: string;
  help: string | null;
}

/**
 * squawk's binary, from its platform package (optionalDependencies list one per supported
 * platform). Not the squawk-cli wrapper: it lists every platform as an optional dependency, and the
 * registry reachable here lacks some of them, which leaves package-lock.json out of sync for npm ci.
 */
function squawkBinary(): string {
  return platformBinaryPath({
    scope: '@squawk-cli',
    file: 'bin/squawk',
    feature: 'lint (squawk)',
    instead: 'every other command works; lint runs in CI',
  });
}

/** Lints SQL files with squawk and returns every finding (squawk exits 1 when it finds any). */
export function runSquawk(files: readonly string[]): Promise<SquawkFinding[]> {
  const args = ['--reporter', 'json', '--pg-version', SQUAWK_PG_VERSION, `--exclude=${EXCLUDED_RULES.join(',')}`, '--no-assume-in-transaction', ...files];
  return new Promise((resolve, reject) => {
    execFile(squawkBinary(), args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = (error as { code?: unknown } | null)?.code;
      if (error && exitCode !== 1) {
        reject(new PlayLaterError('E_LINT', `squawk failed: ${stderr.trim() || messageOf(error)}`, { cause: error }));
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as Array<{ file: string; line: number; rule_name: string; level: string; message: string; help: string | null }>;
        resolve(parsed.map((f) => ({ file: f.file, line: f.line, rule: f.rule_name, level: f.level, message: f.message, help: f.help })));
      } catch (parseError) {
        reject(new PlayLaterError('E_LINT', `squawk printed something other than its JSON report: ${stdout.slice(0, 500)}${stderr.slice(0, 500)}`, { cause: parseError }));
      }
    });
  });
}
