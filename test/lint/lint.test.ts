/**
 * `lint` is part of the gate: the project's revisions pass it, and the dangerous operations the
 * issue names fail it, each by its squawk rule, in a new revision written to a copy of the folder.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { runCli } from '../support/run-cli.js';
import { revisionsDirWith } from '../support/revision-fixtures.js';
import { embeddedServer } from '../support/servers.js';
import { REVISIONS_DIR, loadProjectGraph } from '../support/template-databases.js';

let scratchUrl: string;
let graph: RevisionGraph;
const cleanups: Array<() => void> = [];
const SEED_HEAD = '005_add_database_views';

beforeAll(async () => {
  scratchUrl = embeddedServer().adminUrl;
  graph = await loadProjectGraph();
});
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/**
 * The seed's five revisions (with their exemptions) plus, optionally, a new revision on top of them
 * and other exemptions: what a case finds is then the new revision's own doing.
 */
function seedRevisionsWith(extra: { transactional?: boolean; up: string } | null, exemptions?: unknown): string {
  const fixtures = revisionsDirWith(extra ? [{ id: '900_lint_case', parent: SEED_HEAD, down: '', ...extra }] : []);
  cleanups.push(fixtures.cleanup);
  for (const later of graph.descendants(SEED_HEAD)) if (later !== SEED_HEAD) rmSync(path.join(fixtures.dir, path.basename(graph.get(later).file)));
  if (exemptions !== undefined) writeFileSync(path.join(fixtures.dir, 'lint-exemptions.json'), JSON.stringify(exemptions));
  return fixtures.dir;
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
  it("passes the project's revisions, the seed's only through recorded exemptions", async () => {
    const result = await lint(REVISIONS_DIR);
    expect(result.code, result.stderr).toBe(0);
    expect(result.failing).toEqual([]);
    const exempted = result.report.revisions!.flatMap((r) => r.findings.map((f) => `${r.revision} ${f.rule}`));
    expect(new Set(exempted)).toEqual(
      new Set(['002_add_performance_indexes require-concurrent-index-creation', '005_add_database_views require-concurrent-index-creation']),
    );
  });

  it('fails a new revision that builds an index without CONCURRENTLY, adds NOT NULL without a default or a constraint without NOT VALID', async () => {
    const folder = seedRevisionsWith({
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
        '900_lint_case require-concurrent-index-creation',
        '900_lint_case adding-required-field',
        '900_lint_case constraint-missing-not-valid',
      ]),
    );
    expect(result.failing.every((f) => f.revision === '900_lint_case')).toBe(true);
    expect(result.failing.find((f) => f.rule === 'require-concurrent-index-creation')?.statement).toContain('idx_games_hltb');
  });

  it('passes a new revision that does the same things the safe way', async () => {
    const folder = seedRevisionsWith({
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
      seedRevisionsWith(null, {
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
    const unjustified = await lint(seedRevisionsWith(null, { exemptions: [{ revision: '002_add_performance_indexes', rule: 'require-concurrent-index-creation' }] }));
    expect(unjustified.code).toBe(2);
    expect(unjustified.stderr).toContain('needs a non-empty "reason"');
  });
});
