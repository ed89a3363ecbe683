import type { CommandContext } from '../command-context.js';
import { formatRevision } from './history.js';

/** The heads of the revision graph (no database needed). */
export async function headsCommand(context: CommandContext, flags: { verbose?: boolean }): Promise<void> {
  const graph = await context.graph();
  const text = graph.heads.map((id) => formatRevision(graph, graph.get(id), Boolean(flags.verbose), context.io.cwd)).join('\n');
  context.output.result(text, { ok: true, heads: graph.heads });
}
