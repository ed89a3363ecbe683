/**
 * The author's path of docs/schema-as-code.md, end to end through the installed CLI, on a copy of
 * the project with its embedded development database: declare a change in schema/declared, run
 * `revision --autogenerate`, then every gate a change goes through, with no other step. And the
 * scratch databases of check and autogenerate never land on the configured server: they work for
 * a role that may not create databases.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { createProjectCopy, createSchemaWorkspace } from '../support/schema-workspace.js';
import { embeddedServer } from '../support/servers.js';
import { useTestDatabases } from '../support/test-database.js';

const WALK_TIMEOUT_MS = 600_000;
const COMMAND_TIMEOUT_MS = 240_000;

/** Library warnings (pg-promise's "WARNING: …"), stack frames, or our own "do not reproduce" warning. */
const NOISE = /^WARNING|^\s+at |\bError\b|do not reproduce|not refreshed/m;

function expectClean(result: CliResult, command: string): void {
  expect(result.code, `${command}\n${result.stderr}`).toBe(0);
  expect(result.stderr, command).not.toMatch(NOISE);
}

const WISHLIST = `-- Games a user wants to play some day.
CREATE TABLE wishlist (
    id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
    user_id VARCHAR(255) NOT NULL,
    game_id UUID NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    priority INTEGER DEFAULT 3 NOT NULL CONSTRAINT ck_wishlist_priority CHECK (priority BETWEEN 1 AND 5),
    added_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL
);
COMMENT ON TABLE wishlist IS 'Games a user wants to play some day';
CREATE INDEX idx_wishlist_user_id ON wishlist (user_id);
`;

describe("the author's path", () => {
  const project = createProjectCopy();
  afterAll(() => project.remove());
  const cli = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: project.root, timeoutMs: COMMAND_TIMEOUT_MS });

  it(
    'declare, revision --autogenerate, lint, upgrade head, check --live, verify, deploy, downgrade -1, check: all green',
    async () => {
      expectClean(await cli('setup'), 'setup'); // npm start: the development database at head, with demo data

      // A column in the middle of an existing table, with a comment and a CHECK; a new table with a
      // foreign key, a CHECK and an index; an index on an existing (large) table.
      project.edit('schema/declared/10-games.sql', '    release_date DATE,\n', '    release_date DATE,\n    metacritic_score INTEGER CONSTRAINT ck_games_metacritic_score CHECK (metacritic_score BETWEEN 0 AND 100),\n');
      project.edit('schema/declared/10-games.sql', 'COMMENT ON COLUMN games.main_story', "COMMENT ON COLUMN games.metacritic_score IS 'Metacritic score, 0-100';\nCOMMENT ON COLUMN games.main_story");
      project.write('schema/declared/35-wishlist.sql', WISHLIST);
      project.edit('schema/declared/20-user-game-collection.sql', 'CREATE TRIGGER', 'CREATE INDEX idx_collection_acquired_at ON user_game_collection (acquired_at);\n\nCREATE TRIGGER');

      const generated = await cli('revision', '--autogenerate', '-m', 'Wishlist and metacritic score');
      expectClean(generated, 'revision --autogenerate');
      const [, file, revision] = /^Generated (\S+) \(revision (\w+),/.exec(generated.stdout) ?? [];
      expect(file, generated.stdout).toBeDefined();
      const source = project.read(file!);
      const [up] = source.split('export async function down');
      // Online by default: the index on the existing table outside any transaction, the existing
      // table's CHECK added NOT VALID and validated in a transaction of its own.
      expect(source).toContain('export const transactional = false;');
      expect(up).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_collection_acquired_at ON public.user_game_collection');
      expect(up).toMatch(/add constraint "ck_games_metacritic_score" CHECK [^`]* not valid`/);
      expect(up).toMatch(/await db\.transaction\(\)\.execute\(async \(trx\) => \{\n\s*await sql\.raw\(`alter table "public"\."games" validate constraint "ck_games_metacritic_score"`\)\.execute\(trx\);\n\s*\}\);/);
      // The generated files follow the new head without another command.
      expect(project.read('schema/schema.sql')).toMatch(new RegExp(`^-- The Play Later schema at head \\(${revision}\\)`));
      expect(project.read('schema/schema.sql')).toContain('CREATE TABLE wishlist (');
      expect(project.read('docs/erd.md')).toContain('games ||--o{ wishlist : "game_id"');
      expect(project.read('src/repositories/database.ts')).toContain('export interface Wishlist {');

      expectClean(await cli('lint'), 'lint');
      expectClean(await cli('upgrade', 'head'), 'upgrade head');
      const live = await cli('check', '--live');
      expectClean(live, 'check --live');
      expect(live.stdout).toBe("The declared schema, the revisions' head and the live database agree.\n");
      expectClean(await cli('verify'), 'verify');
      expectClean(await cli('deploy'), 'deploy');
      expectClean(await cli('downgrade', '-1'), 'downgrade -1');
      const check = await cli('check');
      expectClean(check, 'check');
      expect(check.stdout).toBe("The declared schema and the revisions' head agree.\n");
    },
    WALK_TIMEOUT_MS,
  );
});

describe('scratch databases never on the configured server', () => {
  const newDatabase = useTestDatabases(embeddedServer);

  /** A database at head owned by a role with LOGIN and NOCREATEDB, as an application's role is. */
  async function databaseOfRoleWithoutCreatedb(): Promise<string> {
    const database = await newDatabase('head');
    const role = database.name.replace('plt_test_', 'plt_app_');
    const admin = await database.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'app-password'`);
    await admin.query(`ALTER DATABASE ${database.name} OWNER TO ${role}`);
    const url = new URL(urlWith(embeddedServer().adminUrl, database.name));
    url.username = role;
    url.password = 'app-password';
    return url.toString();
  }

  it('check --live and revision --autogenerate work for a role that may not create databases', async () => {
    const env = { DATABASE_URL: await databaseOfRoleWithoutCreatedb() };
    const workspace = createSchemaWorkspace();
    try {
      const check = await runCli(['--schema-dir', workspace.schemaDir, '--revisions-dir', workspace.revisionsDir, 'check', '--live'], { env, timeoutMs: COMMAND_TIMEOUT_MS });
      expectClean(check, 'check --live');

      workspace.edit('10-games.sql', '    completionist INTEGER,\n', '    completionist INTEGER,\n    metacritic_score INTEGER,\n');
      const before = workspace.revisionFiles();
      const generated = await runCli(['--schema-dir', workspace.schemaDir, '--revisions-dir', workspace.revisionsDir, 'revision', '--autogenerate', '-m', 'Metacritic score'], {
        env,
        timeoutMs: COMMAND_TIMEOUT_MS,
      });
      expectClean(generated, 'revision --autogenerate');
      expect(workspace.revisionFiles().filter((name) => !before.includes(name))).toHaveLength(1);
    } finally {
      workspace.remove();
    }
  }, WALK_TIMEOUT_MS);
});
