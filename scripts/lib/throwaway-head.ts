/**
 * A database brought to head on a throw-away embedded PostgreSQL (fsync off), for the scripts and
 * ad-hoc benchmarks that need the schema at head without touching any configured database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { connect, disconnect } from '../../src/db/connect.js';
import { startEmbeddedServer } from '../../src/db/embedded-server.js';
import { Migrator } from '../../src/runner/migrator.js';

export const PROJECT_REVISIONS_DIR = path.resolve(import.meta.dirname, '..', '..', 'migrations');

/** Runs `work` on database `name` at head (`heads`: its version table); the server is stopped and its folder removed on every path. */
export async function withHeadOnThrowawayServer<T>(name: string, work: (url: string, client: pg.Client, heads: string[]) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `play-later-${name}-`));
  const server = await startEmbeddedServer({ dataDir, database: name, durable: false });
  try {
    const url = server.urlFor(name);
    const client = await connect(url);
    try {
      const { after } = await new Migrator({ revisionsDir: PROJECT_REVISIONS_DIR, client, directUrl: url }).upgrade('heads');
      return await work(url, client, after);
    } finally {
      await disconnect(client);
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
