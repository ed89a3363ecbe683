import { plural } from '../plural.js';
import { runSilently, type Phase } from '../progress.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { onExit } from '../exit-cleanup.js';
import os from 'node:os';
import path from 'node:path';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { withScratchServer } from '../schema/scratch-databases.js';
import { captureRevisionSql, type RevisionSql } from './capture-revision-sql.js';
import { readLintExemptions, type LintExemption } from './lint-exemptions.js';
import { lintableSql, statementAt, type TimeoutSettings } from './lintable-sql.js';
import { runSquawk } from './squawk.js';

export interface LintFinding {
  rule: string;
  message: string;
  help: string | null;
  /** The statement squawk objects to (its first lines), or the revision's preamble. */
  statement: string;
  /** The recorded reason when an exemption covers it; null when it fails the lint. */
  exemptedBecause: string | null;
}

export interface RevisionLint {
  revision: string;
  file: string;
  statements: number;
  findings: LintFinding[];
}

export interface LintReport {
  ok: boolean;
  revisions: RevisionLint[];
  /** Exemptions that match no finding any more: stale, so they fail the lint too. */
  unusedExemptions: LintExemption[];
  failures: number;
}

export interface LintOptions {
  graph: RevisionGraph;
  revisionsDir: string;
  timeouts: TimeoutSettings;
  /** A server where a scratch database may be created and dropped; default: a throw-away embedded one. */
  scratchAdminUrl?: string;
  /** Shows each phase (the CLI: on a terminal, with its time). */
  phase?: Phase;
}

/** Lints the SQL every revision sends (captured on a scratch database) with squawk. */
export async function lintRevisions(options: LintOptions): Promise<LintReport> {
  const exemptions = readLintExemptions(options.revisionsDir);
  for (const exemption of exemptions) options.graph.get(exemption.revision); // an unknown revision is an error
  const phase = options.phase ?? runSilently;
  const captured = await phase(`SQL of ${plural(options.graph.order.length, 'revision')} captured on a scratch database`, () =>
    withScratchServer(options.scratchAdminUrl, async (server) => captureRevisionSql((await server.database('lint')).client, options.graph)),
  );
  const revisions = await phase(`squawk run on ${plural(captured.length, 'revision')}`, () => lintCaptured(captured, options.timeouts, exemptions));
  const used = new Set(revisions.flatMap((r) => r.findings.filter((f) => f.exemptedBecause !== null).map((f) => `${r.revision} ${f.rule}`)));
  const unusedExemptions = exemptions.filter((e) => !used.has(`${e.revision} ${e.rule}`));
  const failures = revisions.reduce((sum, r) => sum + r.findings.filter((f) => f.exemptedBecause === null).length, 0) + unusedExemptions.length;
  return { ok: failures === 0, revisions, unusedExemptions, failures };
}

async function lintCaptured(captured: RevisionSql[], timeouts: TimeoutSettings, exemptions: LintExemption[]): Promise<RevisionLint[]> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'play-later-lint-'));
  const forget = onExit(() => rmSync(folder, { recursive: true, force: true }));
  try {
    const files = captured.map((entry) => {
      const lintable = lintableSql(entry, timeouts);
      const file = path.join(folder, `${entry.revision.id}.sql`);
      writeFileSync(file, lintable.text);
      return { entry, lintable, file };
    });
    const findings = files.length === 0 ? [] : await runSquawk(files.map((f) => f.file));
    return files.map(({ entry, lintable, file }) => ({
      revision: entry.revision.id,
      file: entry.revision.file,
      statements: entry.statements.length,
      findings: findings
        .filter((finding) => path.resolve(finding.file) === file)
        .map((finding) => {
          const index = statementAt(lintable, finding.line);
          const exemption = exemptions.find((e) => e.revision === entry.revision.id && e.rule === finding.rule);
          return {
            rule: finding.rule,
            message: finding.message,
            help: finding.help,
            statement: index < 0 ? '(the runner\'s settings before the first statement)' : excerpt(entry.statements[index]!),
            exemptedBecause: exemption?.reason ?? null,
          };
        }),
    }));
  } finally {
    rmSync(folder, { recursive: true, force: true });
    forget();
  }
}

function excerpt(statement: string): string {
  const lines = statement.trim().split('\n').map((line) => line.trimEnd());
  return lines.length > 3 ? `${lines.slice(0, 3).join('\n')}\n…` : lines.join('\n');
}
