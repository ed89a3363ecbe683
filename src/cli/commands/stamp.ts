import { PlayLaterError } from '../../errors.js';
import { inLockedTransaction } from '../../runner/locked-transaction.js';
import { singleHead } from '../../runner/plan.js';
import { ensureVersionTable, readHeads, writeHeads } from '../../runner/version-table.js';
import type { CommandContext } from '../command-context.js';
import { describeHeads } from '../describe-heads.js';

/** Sets the version table without running any revision (e.g. adopting a database built by hand). */
export async function stampCommand(context: CommandContext, reference: string): Promise<void> {
  const graph = await context.graph();
  const heads =
    reference === 'base'
      ? []
      : reference === 'heads'
        ? [...graph.heads]
        : reference === 'head'
          ? [singleHead(graph)]
          : reference.split(',').map((part) => graph.resolve(part.trim()).id);
  const applied = new Set(heads.flatMap((id) => [...graph.ancestors(id)]));
  const newHeads = graph.headsOf(applied);
  if (newHeads.length !== heads.length) {
    throw new PlayLaterError('E_REVISION_RANGE', `Cannot stamp ${reference}: one of these revisions is an ancestor of another.`, {
      hint: 'Stamp only the heads you want recorded.',
    });
  }
  await context.withDatabase(async ({ client }) => {
    const before = await inLockedTransaction(client, context.config, async () => {
      await ensureVersionTable(client);
      const heads = await readHeads(client);
      await writeHeads(client, heads, newHeads);
      return heads;
    });
    context.output.result(`Stamped: the database is now recorded at ${describeHeads(graph, newHeads)} (was ${describeHeads(graph, before.filter((id) => graph.byId.has(id)))}). No revision was run.`, {
      ok: true,
      before,
      after: newHeads,
    });
  });
}
