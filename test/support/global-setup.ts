import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/db/embedded-server.js';
import { configuredExternalServers } from './servers.js';
import { buildTemplateDatabases } from './template-databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedAdminUrl: string;
  }
}

let server: EmbeddedServer | undefined;
let dataDir: string | undefined;

/**
 * One throw-away embedded PostgreSQL 18 for the whole run (fsync off), with the template databases
 * every test file clones; the same templates on each configured external server (PostgreSQL 15, and
 * the server behind PgBouncer, built once when both are the same). It never touches the project's
 * .play-later/ database nor DATABASE_URL.
 */
export async function setup(project: TestProject): Promise<void> {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'play-later-test-'));
  server = await startEmbeddedServer({ dataDir, database: null, durable: false });
  const adminUrl = server.urlFor('postgres');
  const adminUrls = new Set([adminUrl, ...configuredExternalServers().map((external) => external.adminUrl)]);
  for (const url of adminUrls) await buildTemplateDatabases(url);
  project.provide('embeddedAdminUrl', adminUrl);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
