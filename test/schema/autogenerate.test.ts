/**
 * revision --autogenerate through the CLI: each kind of change declared in schema/declared gives a
 * revision whose up builds exactly the declared schema and whose down restores the head before it;
 * no change gives no revision.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadRevisionGraph } from '../../src/runner/migrator.js';
import { applyDeclaredSchema, readDeclaredSchema } from '../../src/schema/declared-schema.js';
import { describeForComparison } from '../../src/schema/schema-text-diff.js';
import { migrateTo } from '../support/migrate.js';
import { runCli } from '../support/run-cli.js';
import { createSchemaWorkspace } from '../support/schema-workspace.js';
import { describeOnEachServer, type TestServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface DeclaredEdit {
  change: string;
  file: string;
  from: string;
  to: string;
  /** What the generated up() must contain. */
  up: RegExp;
  /** A flag the generated file must carry, if any. */
  flag?: RegExp;
}

const EDITS: DeclaredEdit[] = [
  {
    change: 'add a column',
    file: '10-games.sql',
    from: '    completionist INTEGER,\n',
    to: '    completionist INTEGER,\n    metacritic_score INTEGER,\n',
    up: /add column "metacritic_score" integer/,
    flag: /\/\/ DROP: removes a column[^\n]*\n\s*await sql\.raw\(`alter table "public"\."games" drop column "metacritic_score"`\)/,
  },
  {
    change: 'add an index',
    file: '10-games.sql',
    from: 'CREATE INDEX idx_games_created_at ON games (created_at);',
    to: 'CREATE INDEX idx_games_created_at ON games (created_at);\nCREATE INDEX idx_games_steam_app_id ON games (steam_app_id);',
    up: /CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_games_steam_app_id ON public\.games USING btree \(steam_app_id\)/,
    flag: /\/\/ DROP: removes an object[^\n]*\n\s*await sql\.raw\(`DROP INDEX CONCURRENTLY IF EXISTS "public"\."idx_games_steam_app_id"`\)/,
  },
  {
    change: "change a column's type",
    file: '10-games.sql',
    from: '    steam_app_id INTEGER,\n',
    to: '    steam_app_id BIGINT,\n',
    up: /alter column "steam_app_id" set data type bigint/,
    flag: /\/\/ TYPE CHANGE/,
  },
  {
    change: 'change a default',
    file: '20-user-game-collection.sql',
    from: 'acquired_at TIMESTAMP WITH TIME ZONE NOT NULL,',
    to: 'acquired_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,',
    up: /alter column "acquired_at" set default CURRENT_TIMESTAMP/,
  },
  {
    change: 'change a comment',
    file: '10-games.sql',
    from: "COMMENT ON COLUMN games.main_story IS 'HLTB main story hours';",
    to: "COMMENT ON COLUMN games.main_story IS 'HowLongToBeat: main story, hours';",
    up: /COMMENT ON COLUMN games\.main_story IS 'HowLongToBeat: main story, hours'/,
  },
  {
    change: 'change a function',
    file: '40-user-sessions.sql',
    from: 'DELETE FROM user_sessions WHERE expires_at < CURRENT_TIMESTAMP;',
    to: 'DELETE FROM user_sessions WHERE expires_at <= CURRENT_TIMESTAMP;',
    up: /CREATE OR REPLACE FUNCTION public\.cleanup_expired_sessions\(\)[\s\S]*expires_at <= CURRENT_TIMESTAMP/,
  },
  {
    change: 'remove an index',
    file: '20-user-game-collection.sql',
    from: 'CREATE INDEX idx_collection_platform_acquired ON user_game_collection (user_id, platform, acquired_at);\n',
    to: '',
    up: /DROP INDEX CONCURRENTLY IF EXISTS "public"\."idx_collection_platform_acquired"/,
    flag: /\/\/ DROP: removes an object[^\n]*\n\s*await sql\.raw\(`DROP INDEX CONCURRENTLY IF EXISTS "public"\."idx_collection_platform_acquired"`\)/,
  },
];

/** Two scratch databases, migra both ways, the revision run up and down: minutes on a loaded machine. */
const AUTOGENERATE_TIMEOUT_MS = 180_000;

const autogenerate = (server: TestServer, schemaDir: string, revisionsDir: string) =>
  runCli(['--schema-dir', schemaDir, '--revisions-dir', revisionsDir, 'revision', '--autogenerate', '--scratch-url', server.adminUrl, '-m', 'Declared change'], {
    timeoutMs: 120_000,
  });

/** The declared schema of a folder, described as check compares it (built in a fresh database). */
async function describeDeclared(server: TestServer, schemaDir: string): Promise<string> {
  const scratch = await createTestDatabase({ from: 'empty', server });
  try {
    const client = await scratch.connect();
    await applyDeclaredSchema(client, readDeclaredSchema(schemaDir));
    return await describeForComparison(client);
  } finally {
    await scratch.drop();
  }
}

// On PostgreSQL 18 and 15: the diff library reads each server's catalogs.
describeOnEachServer(
  'revision --autogenerate',
  (server) => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase({ from: 'empty', server });
    });
    afterAll(async () => database?.drop());

    it('writes no revision when the declaration matches the head', async () => {
      const workspace = createSchemaWorkspace();
      try {
        const before = workspace.revisionFiles();
        const result = await autogenerate(server, workspace.schemaDir, workspace.revisionsDir);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^No changes: the declared schema matches the revisions' head\. No revision written\./);
        expect(workspace.revisionFiles()).toEqual(before);
      } finally {
        workspace.remove();
      }
    });

    /** Runs autogenerate on a workspace with `edits` applied; checks the file, then up and down on a database. */
    async function generateAndApply(edits: readonly DeclaredEdit[]): Promise<void> {
      const workspace = createSchemaWorkspace();
      try {
        const before = workspace.revisionFiles();
        for (const edit of edits) workspace.edit(edit.file, edit.from, edit.to);

        const result = await autogenerate(server, workspace.schemaDir, workspace.revisionsDir);

        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).not.toMatch(/do not reproduce/);
        const added = workspace.revisionFiles().filter((name) => !before.includes(name));
        expect(added).toHaveLength(1);
        const source = readFileSync(path.join(workspace.revisionsDir, added[0]!), 'utf8');
        const [upSource] = source.split('export async function down');
        for (const edit of edits) {
          expect(upSource, edit.change).toMatch(edit.up);
          if (edit.flag) expect(source, edit.change).toMatch(edit.flag);
        }
        if (edits.some((edit) => edit.flag)) expect(result.stderr).toMatch(/^WARN: review (up|down): /m);

        const graph = await loadRevisionGraph(workspace.revisionsDir);
        const generated = graph.heads[0]!;
        const parent = graph.get(generated).parents[0]!;
        const client = await database.connect();
        await migrateTo(client, graph, parent);
        const headBefore = await describeForComparison(client);
        await migrateTo(client, graph, generated);
        expect(await describeForComparison(client)).toEqual(await describeDeclared(server, workspace.schemaDir));
        await migrateTo(client, graph, parent);
        expect(await describeForComparison(client)).toEqual(headBefore);
      } finally {
        workspace.remove();
      }
    }

    // One run for every kind of change keeps the suite fast (each run builds two scratch databases).
    it(`${EDITS.map((edit) => edit.change).join(', ')}: one revision upgrades to the declared schema and downgrades to the head before it`, async () => {
      await generateAndApply(EDITS);
    }, AUTOGENERATE_TIMEOUT_MS);

    it('a comment alone (which the structural diff does not see) still gives a revision', async () => {
      await generateAndApply(EDITS.filter((edit) => edit.change === 'change a comment'));
    }, AUTOGENERATE_TIMEOUT_MS);
  },
  { kinds: ['embedded', 'pg15'] },
);
