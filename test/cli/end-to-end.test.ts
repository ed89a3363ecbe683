/**
 * The CLI end to end, as a user runs it: upgrade head, downgrade -1 five times, current, history
 * --verbose, stamp, heads; on the embedded server (a temporary PLAY_LATER_DATA_DIR, never the
 * project's .play-later/) through the installed bin, and on servers given by DATABASE_URL
 * (PostgreSQL 18, and 15 when configured) through the CLI's entry function.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { singleHead } from '../../src/runner/plan.js';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { STACK_FRAME, expectCliError, jsonResult } from '../support/expect-cli.js';
import { runBin, runCli } from '../support/run-cli.js';
import { REQUIRE_ALL_SERVERS, EXTERNAL_SERVER_VARIABLES, externalServer, type TestServer } from '../support/servers.js';
import { loadProjectGraph } from '../support/template-databases.js';
import { useTempFolders } from '../support/temp-folders.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let graph: RevisionGraph;
beforeAll(async () => {
  graph = await loadProjectGraph();
});

/**
 * The whole sequence on the project's revisions, with `env` choosing the database; `run` is the
 * installed bin in a child process (runBin) or the CLI's entry function in this process (runCli).
 */
function endToEnd(env: () => NodeJS.ProcessEnv, where: RegExp, run: typeof runBin): void {
  const cli = (...args: string[]): ReturnType<typeof runBin> => run(args, { env: env() });
  const order = (): string[] => graph.order.map((r) => r.id);
  const head = (): string => singleHead(graph);

  it('upgrade head applies every revision, one progress line each', async () => {
    const result = await cli('upgrade', 'head');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    for (const id of order()) expect(result.stderr).toMatch(new RegExp(`^Running upgrade ${id}, .* \\(\\d+ ms.*\\)$`, 'm'));
    expect(result.stdout).toContain(`Upgraded ${order().length} revisions in `);
    expect(result.stdout).toContain(`the database is at ${head()} (head).`);
  });

  it('downgrade -1 five times walks back one revision each; base; then -1 is E_DOWNGRADE_AT_BASE', async () => {
    const ids = order();
    for (let step = ids.length - 1; step >= ids.length - 5; step -= 1) {
      const result = jsonResult<{ before: string[]; after: string[]; steps: Array<{ revision: string }> }>(await cli('--json', 'downgrade', '-1'));
      expect(result.before).toEqual([ids[step]]);
      expect(result.steps.map((s) => s.revision)).toEqual([ids[step]]);
      expect(result.after).toEqual(step === 0 ? [] : [ids[step - 1]]);
    }
    const toBase = jsonResult<{ after: string[]; steps: Array<{ revision: string }> }>(await cli('--json', 'downgrade', 'base'));
    expect(toBase.steps.map((s) => s.revision)).toEqual(ids.slice(0, ids.length - 5).reverse());
    expect(toBase.after).toEqual([]);
    expectCliError(await cli('downgrade', '-1'), 'E_DOWNGRADE_AT_BASE', 2);
  });

  it('current names the database and says everything is pending', async () => {
    const result = await cli('current');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr, 'nothing printed at exit (e.g. by the embedded server\'s exit hooks)').not.toMatch(STACK_FRAME);
    expect(result.stdout).toMatch(where);
    expect(result.stdout).toContain('Current revision: base (no revision applied)');
    expect(result.stdout).toContain(`Pending: ${order().join(', ')}`);
  });

  it('history --verbose lists every revision newest first', async () => {
    const result = await cli('history', '--verbose');
    expect(result.code, result.stderr).toBe(0);
    const revs = [...result.stdout.matchAll(/^Rev: (\S+)/gm)].map((m) => m[1]);
    expect(revs).toEqual(order().reverse());
    expect(result.stdout).toContain(`Rev: ${head()} (head)\nParent: ${graph.get(head()).parents.join(', ')}\n`);
    expect(result.stdout).toContain('Rev: 005_add_database_views\nParent: 004_add_session_management\nCreate Date: 2024-03-15T12:30:00.000Z');
  });

  it('stamp head records the head without running anything; stamp base clears it', async () => {
    const stamped = await cli('stamp', 'head');
    expect(stamped.code, stamped.stderr).toBe(0);
    expect(stamped.stdout).toContain('No revision was run.');
    expect(stamped.stderr).not.toMatch(/Running upgrade/);
    expect(jsonResult(await cli('--json', 'current'))).toMatchObject({ heads: [head()], atHead: true, pending: [] });
    expect(jsonResult(await cli('--json', 'stamp', 'base'))).toMatchObject({ before: [head()], after: [] });
  });

  it('heads shows the single head', async () => {
    const result = await cli('heads');
    expect(result.code, result.stderr).toBe(0);
    const revision = graph.get(head());
    expect(result.stdout.trim()).toBe(`${revision.parents.join(', ')} -> ${revision.id} (head), ${revision.message}`);
  });
}

describe('on the embedded server (temporary PLAY_LATER_DATA_DIR)', () => {
  const tempFolder = useTempFolders();
  let dataDir: string;
  beforeAll(() => {
    dataDir = tempFolder('plt-e2e-embedded-');
  });

  endToEnd(() => ({ PLAY_LATER_DATA_DIR: dataDir }), /^embedded postgresql:\/\/postgres:\*\*\*@localhost:\d+\/play-later-db$/m, runBin);

  it('created its cluster in that folder, and left no server running after the commands', () => {
    expect(readdirSync(dataDir).sort()).toEqual(['password', 'pg18']);
    expect(readFileSync(path.join(dataDir, 'pg18', 'PG_VERSION'), 'utf8').trim()).toBe('18');
    expect(readdirSync(path.join(dataDir, 'pg18'))).not.toContain('postmaster.pid');
  });
});

/** PostgreSQL 18 (the test server) and 15 (PLAY_LATER_TEST_PG15_URL) through DATABASE_URL. */
const urlServers: Array<{ name: string; server: () => TestServer | undefined }> = [
  { name: 'PostgreSQL 18', server: () => undefined },
  { name: 'PostgreSQL 15', server: () => externalServer('pg15') },
];
for (const { name, server } of urlServers) {
  const external = name === 'PostgreSQL 15';
  if (external && !server()) {
    const reason = `end to end on ${name} through DATABASE_URL: set ${EXTERNAL_SERVER_VARIABLES.pg15} to run it`;
    if (REQUIRE_ALL_SERVERS) it(reason, () => expect.fail(`${EXTERNAL_SERVER_VARIABLES.pg15} is not set and CI=true requires it`));
    else it.skip(reason, () => undefined);
    continue;
  }
  describe(`on ${name} through DATABASE_URL`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase({ from: 'empty', server: server() });
    });
    afterAll(async () => database?.drop());
    // The bin itself is what the embedded run above spawns; here the entry function, in this process.
    endToEnd(() => ({ DATABASE_URL: database.url }), /^postgresql:\/\/[^:]+:\*\*\*@[^/]+\/plt_test_\w+$/m, runCli);
  });
}
