import path from 'node:path';
import { checksumMismatch, HISTORY_TABLE } from '../../runner/revision-history.js';
import type { CommandContext } from '../command-context.js';
import { describeHeads } from '../describe-heads.js';
import { formatRevision } from './history.js';

/** Where the database stands: its heads, what is pending, edited applied revisions, and with --verbose each head's details. */
export async function currentCommand(context: CommandContext, flags: { verbose?: boolean }): Promise<void> {
  const graph = await context.graph();
  await context.withMigrator(async (migrator, { displayUrl }) => {
    const status = await migrator.status();
    const lines = [`${displayUrl}`, `Current revision: ${describeHeads(graph, status.heads)}`];
    if (status.pending.length > 0) lines.push(`Pending: ${status.pending.join(', ')}`);
    for (const run of status.unfinished) {
      const started = `(${run.direction === 'up' ? 'upgrade' : 'downgrade'}, non-transactional) started ${run.startedAt.toISOString()}${run.host ? ` on ${run.host}` : ''}`;
      lines.push(
        run.inProgress
          ? `Being applied now: ${run.revision} ${started}, by another runner, whose lease runs until ${run.leaseExpiresAt?.toISOString()} unless renewed (a runner that died keeps others out until then; the next run after it recovers ${run.revision})`
          : `Interrupted: ${run.revision} ${started} never finished; the next run that reaches it recovers it (drops the INVALID index it left) and runs it again`,
      );
    }
    if (!status.historyRead) {
      context.output.log(
        'warn',
        `This role may not read ${HISTORY_TABLE}: applied revisions were not compared with their files, and unfinished non-transactional runs are not shown. Run \`current\` as the migrating role for both.`,
      );
    }
    if (status.edited.length > 0) {
      lines.push(
        `Edited since applied (checksum mismatch): ${status.edited.map((e) => e.revision).join(', ')}; upgrade and downgrade refuse to run (${status.edited.map((e) => path.relative(context.io.cwd, e.file)).join(', ')})`,
      );
      const error = checksumMismatch(status.edited.map((e) => graph.get(e.revision)));
      context.output.log('warn', `${error.message}\n${error.hint}`);
    }
    if (flags.verbose) for (const id of status.heads) lines.push('', formatRevision(graph, graph.get(id), true, context.io.cwd));
    context.output.result(lines.join('\n'), {
      ok: true,
      database: displayUrl,
      heads: status.heads,
      atHead: status.atHead,
      pending: status.pending,
      edited: status.edited.map((e) => e.revision),
      checksumMismatches: status.edited.map((e) => e.revision),
      historyRead: status.historyRead,
      unfinished: status.unfinished,
    });
  }, undefined, { readOnly: true });
}
