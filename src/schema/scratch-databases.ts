import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onExit } from '../exit-cleanup.js';
import type pg from 'pg';
import { connect, disconnect } from '../db/connect.js';
import { withDatabase as urlWith } from '../db/database-url.js';
import { startEmbeddedServer } from '../db/embedded-server.js';

export interface ScratchDatabase {
  name: string;
  url: string;
  client: pg.Client;
}

export interface ScratchServer {
  /** A new empty database, dropped when the server's scope ends. */
  database(purpose: string): Promise<ScratchDatabase>;
}

/**
 * Where `lint`, `check`, `revision --autogenerate` and `generate` build their throw-away
 * databases: by default a throw-away embedded PostgreSQL in a temporary folder (so they never
 * touch, nor need CREATEDB on, the database being migrated), or the server of `scratchUrl`
 * (`--scratch-url`, a role that may CREATE DATABASE). Everything is removed after `work`, on
 * every path.
 */
export async function withScratchServer<T>(scratchUrl: string | undefined, work: (server: ScratchServer) => Promise<T>): Promise<T> {
  if (scratchUrl) return withScratchDatabasesOn(scratchUrl, work);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'play-later-scratch-'));
  // Ctrl-C or SIGTERM included: the folder of a throw-away server never outlives the command.
  const forget = onExit(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })); // the server may still be writing as it stops
  try {
    const server = await startEmbeddedServer({ dataDir, database: null, durable: false });
    try {
      return await withScratchDatabasesOn(server.urlFor('postgres'), work);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    forget();
  }
}

async function withScratchDatabasesOn<T>(adminUrl: string, work: (server: ScratchServer) => Promise<T>): Promise<T> {
  const suffix = randomBytes(4).toString('hex');
  const created: ScratchDatabase[] = [];
  const admin = await connect(adminUrl);
  try {
    return await work({
      async database(purpose) {
        const name = `plt_scratch_${purpose}_${suffix}`;
        await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
        const url = urlWith(adminUrl, name);
        const database = { name, url, client: await connect(url) };
        created.push(database);
        return database;
      },
    });
  } finally {
    for (const database of created) await disconnect(database.client);
    for (const { name } of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await disconnect(admin);
  }
}
