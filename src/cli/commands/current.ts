import { checksumMismatchError, compareChecksums } from '../../runner/revision-history.js';
import { readHeads } from '../../runner/version-table.js';
import type { CommandContext } from '../command-context.js';
import { describeHeads } from '../describe-heads.js';
import { formatRevision } from './history.js';

/**
 * Where the database stands: its heads, applied revisions whose file was edited since (the same
 * E_CHECKSUM_MISMATCH upgrade would refuse with, shown as a warning), and with --verbose each
 * head's details.
 */
export async function currentCommand(context: CommandContext, flags: { verbose?: boolean }): Promise<void> {
  const graph = await context.graph();
  await context.withDatabase(async ({ client, displayUrl }) => {
    const heads = await readHeads(client);
    const applied = graph.appliedFrom(heads); // fails clearly on a revision no file defines
    const pending = graph.order.filter((r) => !applied.has(r.id)).map((r) => r.id);
    const lines = [`${displayUrl}`, `Current revision: ${describeHeads(graph, heads)}`];
    if (pending.length > 0) lines.push(`Pending: ${pending.join(', ')}`);
    const { mismatched } = await compareChecksums(client, graph, applied);
    const edited = mismatched.map((r) => r.id);
    if (edited.length > 0) {
      const error = checksumMismatchError(mismatched);
      lines.push(`Edited since applied (checksum mismatch): ${edited.join(', ')}`);
      context.output.log('warn', `${error.message}\n${error.hint ?? ''}`);
    }
    if (flags.verbose) for (const id of heads) lines.push('', formatRevision(graph, graph.get(id), true));
    context.output.result(lines.join('\n'), {
      ok: true,
      database: displayUrl,
      heads,
      atHead: pending.length === 0,
      pending,
      checksumMismatches: edited,
    });
  });
}
