import { PlayLaterError } from '../../errors.js';
import { declaredAndHead } from '../../schema/declared-and-head.js';
import { projectRoot, renderGeneratedFiles, staleGeneratedFiles } from '../../schema/generated-files.js';
import { GENERATE_COMMAND } from '../../schema/schema-file.js';
import { describeForComparison, schemaTextDiff } from '../../schema/schema-text-diff.js';
import { withScratchServer } from '../../schema/scratch-databases.js';
import type { CommandContext } from '../command-context.js';

export interface CheckFlags {
  live?: boolean;
  scratchUrl?: string;
}

interface Disagreement {
  between: string;
  hint: string;
  diff: string;
}

/**
 * Fails (E_DRIFT, exit 1) and prints the difference when the declared schema and the schema the
 * revisions build disagree, when a committed generated file (schema/schema.sql, types, ERD) is not
 * what the revisions' head gives, and with --live also when the configured database differs from
 * the head. The two schemas are built on a scratch server (see scratch-databases.ts): the
 * configured database is only read, and only with --live.
 */
export async function checkCommand(context: CommandContext, flags: CheckFlags): Promise<void> {
  const { config, output } = context;
  const graph = await context.graph();
  const root = projectRoot(config.revisionsDir);
  const { declaredText, headText, staleFiles } = await withScratchServer(flags.scratchUrl, async (server) => {
    const { declared, head } = await output.phase('declared schema and revisions\' head built on a scratch server', () =>
      declaredAndHead(server, { schemaDir: config.schemaDir, graph, settings: config }),
    );
    return {
      declaredText: await describeForComparison(declared.client, config),
      headText: await describeForComparison(head.client, config),
      staleFiles: staleGeneratedFiles(root, await renderGeneratedFiles(head, graph.heads, root, config), true),
    };
  });
  const disagreements: Disagreement[] = [];
  const declaredDiff = schemaTextDiff("revisions' head", headText, `declared schema (${config.schemaDir})`, declaredText);
  if (declaredDiff) {
    disagreements.push({
      between: "the revisions' head and the declared schema",
      hint: 'Run `play-later-db revision --autogenerate -m "…"` for a change you declared, or fix the declaration.',
      diff: declaredDiff,
    });
  }
  if (staleFiles.length > 0) {
    disagreements.push({
      between: "the revisions' head and the generated files",
      hint: `Run \`${GENERATE_COMMAND}\` and commit what it writes.`,
      diff: `stale: ${staleFiles.join(', ')}`,
    });
  }
  if (flags.live) {
    const live = await context.withDatabase(async ({ client, displayUrl }) => ({ displayUrl, text: await describeForComparison(client, config) }));
    const liveDiff = schemaTextDiff("revisions' head", headText, `live database (${live.displayUrl})`, live.text);
    if (liveDiff) {
      disagreements.push({
        between: "the revisions' head and the live database",
        hint: 'Upgrade the database to head (`play-later-db current` shows where it is); if it is at head, it drifted: someone changed it by hand.',
        diff: liveDiff,
      });
    }
  }
  if (disagreements.length > 0) {
    for (const { between, diff } of disagreements) output.log('warn', `${between} differ:\n${diff}`);
    throw new PlayLaterError('E_DRIFT', `The schema differs between ${disagreements.map((d) => d.between).join(', and between ')}.`, {
      hint: disagreements.map((d) => d.hint).join(' '),
      data: { differences: disagreements },
    });
  }
  const compared = flags.live ? "The declared schema, the revisions' head and the live database agree." : "The declared schema and the revisions' head agree.";
  output.result(compared, { ok: true, live: Boolean(flags.live) });
}
