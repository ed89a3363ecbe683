import path from 'node:path';
import { checksumMismatch } from '../../runner/revision-history.js';
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
    });
  }, undefined, { readOnly: true });
}
