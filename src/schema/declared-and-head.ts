import type { RunnerSettings } from '../runner/executor.js';
import { runToTarget } from '../runner/executor.js';
import { resolveUpgradeTarget } from '../runner/plan.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { plural } from '../plural.js';
import { runSilently, type Phase } from '../progress.js';
import { applyDeclaredSchema, readDeclaredSchema } from './declared-schema.js';
import { BOOKKEEPING_TABLES, quoteIdent } from './describe-schema.js';
import { withScratchDatabases, type ScratchDatabase } from './scratch-databases.js';

export interface DeclaredAndHead {
  /** An empty database in which the declared schema was built. */
  declared: ScratchDatabase;
  /** An empty database migrated to the head revision(s), without the runner's bookkeeping tables. */
  head: ScratchDatabase;
}

export interface DeclaredAndHeadOptions {
  schemaDir: string;
  graph: RevisionGraph;
  settings: RunnerSettings;
  /** Shows each phase (the CLI: on a terminal, with its time). */
  phase?: Phase;
}

/**
 * The two schemas that autogenerate and check compare, built side by side in scratch databases on
 * the server of `serverUrl` and dropped afterwards.
 */
export async function withDeclaredAndHead<T>(
  serverUrl: string,
  options: DeclaredAndHeadOptions,
  work: (pair: DeclaredAndHead) => Promise<T>,
): Promise<T> {
  const files = readDeclaredSchema(options.schemaDir);
  const { graph, phase = runSilently } = options;
  return withScratchDatabases(serverUrl, ['declared', 'head'], async ({ declared, head }) => {
    await phase(`declared schema (${plural(files.length, 'file')}) built in a scratch database`, () => applyDeclaredSchema(declared.client, files));
    await phase(`${plural(graph.order.length, 'revision')} applied to a scratch database`, async () => {
      await runToTarget({ client: head.client, graph, target: resolveUpgradeTarget(graph, 'heads', new Set()), settings: options.settings, directUrl: head.url });
      for (const table of BOOKKEEPING_TABLES) await head.client.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    });
    return work({ declared, head });
  });
}
