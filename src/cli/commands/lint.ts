import { PlayLaterError } from '../../errors.js';
import { lintRevisions, type LintReport } from '../../lint/lint-revisions.js';
import type { CommandContext } from '../command-context.js';
import { plural } from '../../plural.js';

/** Lints the SQL of every revision with squawk; fails on any finding no exemption covers. */
export async function lintCommand(context: CommandContext, flags: { scratchUrl?: string }): Promise<void> {
  const { config, output } = context;
  const report = await lintRevisions({
    graph: await context.graph(),
    revisionsDir: config.revisionsDir,
    timeouts: config,
    scratchAdminUrl: flags.scratchUrl,
    phase: output.phase,
  });
  if (!report.ok) {
    if (!output.json) output.log('error', renderLint(report));
    throw new PlayLaterError('E_LINT', `Lint found ${plural(report.failures, 'problem')} in the revisions' SQL.`, {
      hint: 'Fix the revision (CONCURRENTLY in a non-transactional revision, NOT VALID then VALIDATE, a default before NOT NULL, …); only the frozen seed revisions carry exemptions.',
      data: { report },
    });
  }
  output.result(renderLint(report), report);
}

function renderLint(report: LintReport): string {
  const lines: string[] = [];
  for (const revision of report.revisions) {
    const failing = revision.findings.filter((f) => f.exemptedBecause === null);
    const exempted = revision.findings.length - failing.length;
    lines.push(`${failing.length === 0 ? 'ok  ' : 'FAIL'} ${revision.revision} (${plural(revision.statements, 'statement')}${exempted ? `, ${plural(exempted, 'exempted finding')}` : ''})`);
    for (const finding of failing) {
      lines.push(`     ${finding.rule}: ${finding.message}${finding.help ? ` ${finding.help}` : ''}`);
      lines.push(...finding.statement.split('\n').map((line) => `       | ${line}`));
    }
  }
  for (const exemption of report.unusedExemptions) {
    lines.push(`FAIL exemption ${exemption.revision} / ${exemption.rule} matches no finding: remove it from lint-exemptions.json.`);
  }
  lines.push(report.ok ? 'Lint passed.' : `Lint failed: ${plural(report.failures, 'problem')}.`);
  return lines.join('\n');
}
