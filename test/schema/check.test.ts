/**
 * check: the one gate that keeps the declared schema, the revisions' head and (with --live) a
 * database in agreement. Its first case runs it on the project itself, so npm test fails when a
 * revision and the declaration drift apart.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATE_COMMAND, SCHEMA_FILE } from '../../src/schema/schema-file.js';
import { runCli } from '../support/run-cli.js';
import { createSchemaWorkspace } from '../support/schema-workspace.js';
import { embeddedServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ from: 'head' });
});
afterAll(async () => database?.drop());

const check = (args: string[]) => runCli(['check', ...args], { timeoutMs: 120_000 });
/** The scratch databases on the test server: the default (a throw-away server) is the first case's. */
const checkOnTestServer = (args: string[]) => check([...args, '--scratch-url', embeddedServer().adminUrl]);

describe('check', () => {
  it("passes on the project: the declared schema, the revisions' head, the generated files and a database at head agree", async () => {
    const result = await check(['-d', database.url, '--live']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe("The declared schema, the revisions' head and the live database agree.\n");
    expect(result.code).toBe(0);
  }, 180_000);

  it('fails with the difference when a database drifted (type, default, comment changed by hand)', async () => {
    const client = await database.connect();
    await client.query(`ALTER TABLE games ALTER COLUMN hltb_id TYPE bigint`);
    await client.query(`ALTER TABLE games ALTER COLUMN release_date SET DEFAULT CURRENT_DATE`);
    await client.query(`COMMENT ON COLUMN games.main_extra IS 'changed by hand'`);

    const result = await checkOnTestServer(['-d', database.url, '--live', '--json']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the revisions' head and the live database differ:");
    expect(result.stderr).toContain('-    hltb_id integer,\n+    hltb_id bigint,');
    expect(result.stderr).toContain('-    release_date date,\n+    release_date date DEFAULT CURRENT_DATE,');
    expect(result.stderr).toContain("+COMMENT ON COLUMN games.main_extra IS 'changed by hand';");
    const json = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; differences: Array<{ between: string }> } };
    expect(json.ok).toBe(false);
    expect(json.error.code).toBe('E_DRIFT');
    expect(json.error.differences.map((d) => d.between)).toEqual(["the revisions' head and the live database"]);
  });

  it('fails with the difference when the declaration and the revisions disagree', async () => {
    const workspace = createSchemaWorkspace();
    try {
      workspace.edit('40-user-sessions.sql', 'expires_at TIMESTAMP WITH TIME ZONE NOT NULL,', "expires_at TIMESTAMP WITH TIME ZONE DEFAULT now() + interval '1 day' NOT NULL,");
      const result = await checkOnTestServer(['--schema-dir', workspace.schemaDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the revisions' head and the declared schema differ:");
      expect(result.stderr).toContain("+    expires_at timestamp with time zone DEFAULT (now() + '1 day'::interval) NOT NULL,");
      expect(result.stderr).toMatch(/^error E_DRIFT: /m);
      expect(result.stderr).toContain('hint: Run `play-later-db revision --autogenerate');
    } finally {
      workspace.remove();
    }
  });

  it('fails naming the one command that refreshes them when a committed generated file is stale', async () => {
    const workspace = createSchemaWorkspace();
    try {
      const schemaFile = path.join(path.dirname(workspace.revisionsDir), SCHEMA_FILE);
      mkdirSync(path.dirname(schemaFile), { recursive: true });
      writeFileSync(schemaFile, '-- The Play Later schema at head (011_hash_stored_session_ids)\n');
      const result = await checkOnTestServer(['--revisions-dir', workspace.revisionsDir, '--schema-dir', workspace.schemaDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`the revisions' head and the generated files differ:\nstale: ${SCHEMA_FILE}`);
      expect(result.stderr).toMatch(/^error E_DRIFT: /m);
      expect(result.stderr).toContain(`hint: Run \`${GENERATE_COMMAND}\` and commit what it writes.`);
    } finally {
      workspace.remove();
    }
  });

  it('names the file and line of a broken declaration', async () => {
    const workspace = createSchemaWorkspace();
    try {
      workspace.edit('30-game-playthrough.sql', '    difficulty VARCHAR(50),\n', '    difficulty VARCHR(50),\n');
      const result = await checkOnTestServer(['--schema-dir', workspace.schemaDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error E_SCHEMA_DECLARATION: .*30-game-playthrough\.sql:13: type "varchr" does not exist$/m);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      workspace.remove();
    }
  });
});
