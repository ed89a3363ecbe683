import path from 'node:path';
import { PlayLaterError } from '../../errors.js';
import { verifyDatabase, type VerifyReport } from '../../ops/verify.js';
import { GENERATE_COMMAND, SCHEMA_FILE } from '../../schema/schema-file.js';
import type { CommandContext } from '../command-context.js';

/** The committed schema description: schema/schema.sql beside the revisions folder, unless given. */
export function schemaFileFor(context: CommandContext, flag: string | undefined): string {
  return flag ? path.resolve(flag) : path.join(path.dirname(context.config.revisionsDir), 'schema', 'schema.sql');
}

export async function verifyCommand(context: CommandContext, flags: { schemaFile?: string }): Promise<void> {
  const graph = await context.graph();
  // Read-only apart from two rolled-back checks (smoke write, privilege probe), which a standby
  // skips: verify runs on every node of a cluster.
  const report = await context.withDatabase(
    async ({ client, displayUrl }) => ({ displayUrl, ...(await verifyDatabase(client, graph, schemaFileFor(context, flags.schemaFile), context.config)) }),
    { readOnly: true },
  );
  if (!report.ok) {
    if (!context.output.json) context.output.log('error', renderVerify(report));
    const failed = report.checks.filter((c) => !c.ok);
    const hints = failed.flatMap((c) => (c.hint ? [c.hint] : []));
    throw new PlayLaterError('E_VERIFY_FAILED', `verify failed: ${failed.map((c) => c.name).join(', ')}.`, {
      hint: hints.length > 0 ? hints.join(' ') : `Read the failing checks above: \`play-later-db upgrade head\` fixes a database that is behind, \`${GENERATE_COMMAND}\` a stale ${SCHEMA_FILE}.`,
      data: { report },
    });
  }
  context.output.result(renderVerify(report), report);
}

export function renderVerify(report: VerifyReport & { displayUrl: string }): string {
  const lines = [report.displayUrl];
  for (const check of report.checks) {
    const [first, ...rest] = check.detail.split('\n');
    lines.push(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${first}`, ...rest.map((line) => `       ${line}`));
  }
  lines.push(report.ok ? 'Verify passed.' : 'Verify failed.');
  return lines.join('\n');
}
