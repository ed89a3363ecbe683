import { generatedFilesAtHead, projectRoot, writeGeneratedFiles } from '../../schema/generated-files.js';
import { withScratchServer } from '../../schema/scratch-databases.js';
import type { CommandContext } from '../command-context.js';

/**
 * Refreshes every file generated from the schema at head (schema/schema.sql, the Kysely types,
 * docs/erd.md and the README's ERD block) from a fresh database migrated to head on a scratch
 * server: the configured database is never read, so the files never depend on its state.
 */
export async function generateCommand(context: CommandContext, flags: { scratchUrl?: string }): Promise<void> {
  const { config, output } = context;
  const graph = await context.graph();
  const root = projectRoot(config.revisionsDir);
  const written = await withScratchServer(flags.scratchUrl, async (server) => writeGeneratedFiles(root, await generatedFilesAtHead(server, { graph, settings: config }, root)));
  const heads = graph.heads.join(', ') || 'base';
  output.result(written.length > 0 ? `Wrote ${written.join(', ')} (head: ${heads}).` : `The generated files are up to date (head: ${heads}).`, { ok: true, heads: graph.heads, written });
}
