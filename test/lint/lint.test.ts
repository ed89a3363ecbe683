/**
 * `lint` is part of the gate: the project's revisions pass it, and the dangerous operations the
 * issue names fail it, each by its squawk rule, in a new revision written to a copy of the folder.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { embeddedServer } from '../support/servers.js';
import { REVISIONS_DIR } from '../support/template-databases.js';

let folders: string[] = [];
let scratchUrl: string;

beforeAll(() => {
  scratchUrl = embeddedServer().adminUrl;
});
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A copy of the project's revisions (and exemptions) plus one new revision 006. */
function revisionsWith(revision006: { transactional?: boolean; up: string } | null, exemptions?: unknown): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'plt-lint-'));
  folders.push(folder);
  for (const name of readdirSync(REVISIONS_DIR)) copyFileSync(path.join(REVISIONS_DIR, name), path.join(folder, name));
  if (exemptions !== undefined) writeFileSync(path.join(folder, 'lint-exemptions.json'), JSON.stringify(exemptions));
  if (revision006) {
    writeFileSync(
      path.join(folder, '20261128_1200_006_lint_case_lint_case.ts'),
      `import { sql, type Kysely } from 'kysely';
export const revision = '006_lint_case';
export const downRevision = '005_add_database_views';
export const message = 'lint case';
export const createDate = '2026-11-28T12:00:00Z';
${revision006.transactional === false ? 'export const transactional = false;\n' : ''}export async function up(db: Kysely<any>): Promise<void> {
${revision006.up}
}
export async function down(): Promise<void> {}
`,
    );
  }
  return folder;
}

async function lint(revisionsDir: string, ...extra: string[]) {
  const result = await runCli(['--revisions-dir', revisionsDir, '--json', ...extra, 'lint', '--scratch-url', scratchUrl]);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    revisions?: Array<{ revision: string; findings: Array<{ rule: string; statement: string; exemptedBecause: string | null }> }>;
    error?: { code: string; report?: { revisions: Array<{ revision: string; findings: Array<{ rule: string; statement: string; exemptedBecause: string | null }> }>; unusedExemptions: unknown[] } };
  };
  const revisions = report.revisions ?? report.error?.report?.revisions ?? [];
  const failing = revisions.flatMap((r) => r.findings.filter((f) => f.exemptedBecause === null).map((f) => ({ revision: r.revision, ...f })));
  return { ...result, report, failing };
}

describe('lint', () => {
  it("passes the project's revisions, the seed's (and 008's generated column) only through recorded exemptions", async () => {
    const result = await lint(REVISIONS_DIR);
    expect(result.code, result.stderr).toBe(0);
    expect(result.failing).toEqual([]);
    const exempted = result.report.revisions!.flatMap((r) => r.findings.map((f) => `${r.revision} ${f.rule}`));
    expect(new Set(exempted)).toEqual(
      new Set([
        '002_add_performance_indexes require-concurrent-index-creation',
        '005_add_database_views require-concurrent-index-creation',
        '008_correct_search_games adding-field-with-default',
      ]),
    );
  });

  it('fails a new revision that builds an index without CONCURRENTLY, adds NOT NULL without a default or a constraint without NOT VALID', async () => {
    const folder = revisionsWith({
      up: `  await sql.raw('CREATE INDEX idx_games_hltb ON games (hltb_id)').execute(db);
  await sql.raw('ALTER TABLE games ADD COLUMN region text NOT NULL').execute(db);
  await sql.raw("ALTER TABLE games ADD CONSTRAINT ck_title_not_blank CHECK (title <> '')").execute(db);`,
    });
    const result = await lint(folder);
    expect(result.code).toBe(1);
    expect(result.report.error?.code).toBe('E_LINT');
    const rules = result.failing.map((f) => `${f.revision} ${f.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        '006_lint_case require-concurrent-index-creation',
        '006_lint_case adding-required-field',
        '006_lint_case constraint-missing-not-valid',
      ]),
    );
    expect(result.failing.every((f) => f.revision === '006_lint_case')).toBe(true);
    expect(result.failing.find((f) => f.rule === 'require-concurrent-index-creation')?.statement).toContain('idx_games_hltb');
  });

  it('passes a new revision that does the same things the safe way', async () => {
    const folder = revisionsWith({
      transactional: false,
      up: `  await sql.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_hltb ON games (hltb_id)').execute(db);
  await sql.raw("ALTER TABLE games ADD COLUMN IF NOT EXISTS region text NOT NULL DEFAULT 'eu'").execute(db);`,
    });
    const result = await lint(folder);
    expect(result.failing).toEqual([]);
    expect(result.code, result.stderr).toBe(0);
  });

  it("checks timeouts against the runner's own settings: no lock_timeout configured is a finding", async () => {
    const result = await lint(REVISIONS_DIR, '--lock-timeout', '0');
    expect(result.code).toBe(1);
    expect(result.failing.map((f) => f.rule)).toContain('require-lock-timeout');
  });

  it('fails on an exemption that no longer matches anything, and refuses one without a reason', async () => {
    const stale = await lint(
      revisionsWith(null, {
        exemptions: [
          { revision: '002_add_performance_indexes', rule: 'require-concurrent-index-creation', reason: 'seed' },
          { revision: '005_add_database_views', rule: 'require-concurrent-index-creation', reason: 'seed' },
          { revision: '003_add_functions_triggers', rule: 'adding-required-field', reason: 'no longer needed' },
        ],
      }),
    );
    expect(stale.code).toBe(1);
    expect(stale.report.error?.report?.unusedExemptions).toEqual([
      { revision: '003_add_functions_triggers', rule: 'adding-required-field', reason: 'no longer needed' },
    ]);
    const unjustified = await lint(revisionsWith(null, { exemptions: [{ revision: '002_add_performance_indexes', rule: 'require-concurrent-index-creation' }] }));
    expect(unjustified.code).toBe(2);
    expect(unjustified.stderr).toContain('needs a non-empty "reason"');
  });
});
