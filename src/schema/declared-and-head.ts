import { Migrator, type RunnerSettings } from '../runner/migrator.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { plural } from '../plural.js';
import { runSilently, type Phase } from '../progress.js';
import { applyDeclaredSchema, readDeclaredSchema } from './declared-schema.js';
import { BOOKKEEPING_TABLES, quoteIdent } from './describe-schema.js';
import type { ScratchDatabase, ScratchServer } from './scratch-databases.js';

export interface DeclaredAndHead {
  /** An empty database in which the declared schema was built. */
  declared: ScratchDatabase;
  /** An empty database migrated to the head revision(s), without the runner's bookkeeping tables. */
  head: ScratchDatabase;
}

export interface HeadOptions {
  graph: RevisionGraph;
  settings: RunnerSettings;
  /** Shows each phase (the CLI: on a terminal, with its time). */
  phase?: Phase;
}

/**
 * A scratch database migrated to the head revision(s) of `graph`, then stripped of the runner's
 * bookkeeping tables: the schema the revisions build, and nothing else.
 */
export async function headDatabase(server: ScratchServer, { graph, settings }: HeadOptions, purpose = 'head'): Promise<ScratchDatabase> {
  const head = await server.database(purpose);
  await new Migrator({ graph, client: head.client, directUrl: head.url, settings }).upgrade('heads');
  for (const table of BOOKKEEPING_TABLES) await head.client.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  return head;
}

/** The two schemas that autogenerate and check compare, built side by side on a scratch server. */
export async function declaredAndHead(server: ScratchServer, options: HeadOptions & { schemaDir: string }): Promise<DeclaredAndHead> {
  const files = readDeclaredSchema(options.schemaDir);
  const declared = await server.database('declared');
  await applyDeclaredSchema(declared.client, files);
  return { declared, head: await headDatabase(server, options) };
}
