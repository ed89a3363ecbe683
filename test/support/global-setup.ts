import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/db/embedded-server.js';
import { EXTERNAL_SERVER_VARIABLES, REQUIRE_ALL_SERVERS, configuredExternalServers } from './servers.js';
import { PROJECT_ROOT, buildTemplateDatabases } from './template-databases.js';

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
  rebuildIfStale();
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
  const missing = Object.values(EXTERNAL_SERVER_VARIABLES).filter((name) => !process.env[name]);
  if (missing.length > 0 && !REQUIRE_ALL_SERVERS) {
    process.stderr.write(
      `\nSkipped: the suites on PostgreSQL 15 and through PgBouncer. Set ${missing.join(' and ')} to run them ` +
        '(source scripts/ci/start-test-servers.sh sets both; CI=true makes a missing one fail).\n',
    );
  }
}

/**
 * Tests that spawn the CLI run bin/ -> dist/, the compiled sources: rebuilt here when a source is
 * newer than the build, so `npx vitest run` after editing src/ never tests a stale CLI.
 */
function rebuildIfStale(): void {
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--if-stale'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}
