import { Migrator, type RunnerSettings } from '../runner/migrator.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
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
  return withScratchDatabases(serverUrl, ['declared', 'head'], async ({ declared, head }) => {
    await applyDeclaredSchema(declared.client, files);
    await new Migrator({ graph: options.graph, client: head.client, directUrl: head.url, settings: options.settings }).upgrade('heads');
    for (const table of BOOKKEEPING_TABLES) await head.client.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    return work({ declared, head });
  });
}
