import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { connect, disconnect } from '../db/connect.js';
import { withDatabase as urlWith } from '../db/database-url.js';

export interface ScratchDatabase {
  name: string;
  url: string;
  client: pg.Client;
}

/**
 * Empty throw-away databases on the server of `serverUrl` (one per purpose), dropped after `work`
 * on every path. Needs the CREATEDB privilege there.
 */
export async function withScratchDatabases<const P extends string, T>(
  serverUrl: string,
  purposes: readonly P[],
  work: (databases: Record<P, ScratchDatabase>) => Promise<T>,
): Promise<T> {
  const suffix = randomBytes(4).toString('hex');
  const names = purposes.map((purpose) => `plt_scratch_${purpose}_${suffix}`);
  const admin = await connect(serverUrl);
  const databases = {} as Record<P, ScratchDatabase>;
  try {
    for (const [index, purpose] of purposes.entries()) {
      const name = names[index]!;
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
      const url = urlWith(serverUrl, name);
      databases[purpose] = { name, url, client: await connect(url) };
    }
    return await work(databases);
  } finally {
    for (const database of Object.values<ScratchDatabase>(databases)) await disconnect(database.client);
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await disconnect(admin);
  }
}
