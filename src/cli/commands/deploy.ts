import { deploy } from '../../ops/deploy.js';
import type { CommandContext } from '../command-context.js';
import { describeHeads } from '../describe-heads.js';
import { progressRenderer } from '../run-migration.js';
import { schemaFileFor } from './verify.js';
import { plural } from '../../plural.js';

/** backup → upgrade head → refresh_user_stats() → verify, stopping at the first failure. */
export async function deployCommand(context: CommandContext, flags: { schemaFile?: string }): Promise<void> {
  const graph = await context.graph();
  const { output } = context;
  const result = await deploy({
    config: context.config,
    graph,
    schemaFile: schemaFileFor(context, flags.schemaFile),
    session: context.sessionOptions(),
    log: (message) => output.info(message),
    onEvent: progressRenderer(output, (step) => `    ${step.revision}: ${step.message} (${step.durationMs} ms)`),
  });
  const lines = [
    `Deployed: ${result.applied.length === 0 ? 'nothing to apply' : `${plural(result.applied.length, 'revision')} applied`}; the database is at ${describeHeads(graph, result.after)}.`,
    `Backup taken before: ${result.backup.path}`,
    `Stats refreshed; verify passed (${result.verify.checks.length} checks).`,
  ];
  output.result(lines.join('\n'), { ok: true, ...result });
}
