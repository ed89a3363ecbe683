import type { CommandContext } from '../command-context.js';
import { describeHeads } from '../describe-heads.js';

/** Sets the version table without running any revision (e.g. adopting a database built by hand). */
export async function stampCommand(context: CommandContext, reference: string): Promise<void> {
  const graph = await context.graph();
  await context.withMigrator(async (migrator) => {
    const { before, after } = await migrator.stamp(reference);
    context.output.result(`Stamped: the database is now recorded at ${describeHeads(graph, after)} (was ${describeHeads(graph, before.filter((id) => graph.byId.has(id)))}). No revision was run.`, {
      ok: true,
      before,
      after,
    });
  });
}
