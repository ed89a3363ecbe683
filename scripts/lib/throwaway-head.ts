/**
 * A database brought to head on a throw-away embedded PostgreSQL (fsync off), for the ad-hoc
 * benchmarks that need the schema at head without touching any configured database. The same
 * scratch server and head database as `check` and `generate` (src/schema/scratch-databases.ts).
 */
import path from 'node:path';
import type pg from 'pg';
import { DEFAULT_RUNNER_SETTINGS, loadRevisionGraph } from '../../src/runner/migrator.js';
import { headDatabase } from '../../src/schema/declared-and-head.js';
import { withScratchServer } from '../../src/schema/scratch-databases.js';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Runs `work` on a database (named after `purpose`) at head; everything is removed afterwards, on every path. */
export async function withHeadOnThrowawayServer<T>(purpose: string, work: (url: string, client: pg.Client) => Promise<T>): Promise<T> {
  const graph = await loadRevisionGraph(path.join(PROJECT_ROOT, 'migrations'));
  return withScratchServer(undefined, async (server) => {
    const head = await headDatabase(server, { graph, settings: DEFAULT_RUNNER_SETTINGS }, purpose);
    return work(head.url, head.client);
  });
}
