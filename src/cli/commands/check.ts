import { PlayLaterError } from '../../errors.js';
import { withDeclaredAndHead } from '../../schema/declared-and-head.js';
import { describeForComparison, schemaTextDiff } from '../../schema/schema-text-diff.js';
import type { CommandContext } from '../command-context.js';

export interface CheckFlags {
  live?: boolean;
}

interface Disagreement {
  between: string;
  hint: string;
  diff: string;
}

/**
 * Fails (E_DRIFT, exit 1) and prints the difference when the declared schema and the schema the
 * revisions build disagree, and with --live also when the configured database differs from them.
 * The scratch databases go on the server of the direct URL (CREATE DATABASE cannot go through
 * PgBouncer), else of the database URL.
 */
export async function checkCommand(context: CommandContext, flags: CheckFlags): Promise<void> {
  const { config, output } = context;
  const graph = await context.graph();
  await context.withDatabase(async ({ client, url, displayUrl }) => {
    const schemas = { schemaDir: config.schemaDir, graph, settings: config, phase: output.phase };
    const { declaredText, headText } = await withDeclaredAndHead(config.directDatabaseUrl ?? url, schemas, ({ declared, head }) =>
      output.phase('both schemas described and compared', async () => ({
        declaredText: await describeForComparison(declared.client),
        headText: await describeForComparison(head.client),
      })),
    );
    const disagreements: Disagreement[] = [];
    const declaredDiff = schemaTextDiff("revisions' head", headText, `declared schema (${config.schemaDir})`, declaredText);
    if (declaredDiff) {
      disagreements.push({
        between: "the revisions' head and the declared schema",
        hint: 'Run `play-later-db revision --autogenerate -m "…"` for a change you declared, or fix the declaration.',
        diff: declaredDiff,
      });
    }
    if (flags.live) {
      const liveDiff = schemaTextDiff("revisions' head", headText, `live database (${displayUrl})`, await describeForComparison(client));
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
  });
}
