/**
 * The package as an app uses it: an app folder whose node_modules holds play-later-db, a script
 * that imports it by name (through package.json `exports`, the compiled dist/ that `npm run build`
 * writes) to migrate from code and query through a repository, and a TypeScript file type-checked
 * against the emitted declarations.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, REVISIONS_DIR } from '../support/template-databases.js';
import { useTempFolders } from '../support/temp-folders.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const tempFolder = useTempFolders();

/** An app folder with the package installed (linked, as `npm install ../play-later-db` does). */
function appFolder(): string {
  const app = tempFolder('plt-app-');
  mkdirSync(path.join(app, 'node_modules'));
  symlinkSync(PROJECT_ROOT, path.join(app, 'node_modules', 'play-later-db'), 'dir');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
  return app;
}

const APP_SCRIPT = `
import { Migrator, createDatabase, searchGames, upsertGame, PlayLaterError } from 'play-later-db';
import { Migrator as LeanMigrator } from 'play-later-db/migrator';

const events = [];
const migrator = new Migrator({
  revisionsDir: process.env.REVISIONS_DIR,
  databaseUrl: process.env.DATABASE_URL,
  onEvent: (event) => events.push(event.type),
});
const before = await migrator.status();
const upgraded = await migrator.upgrade('head');
const again = await new LeanMigrator({ revisionsDir: process.env.REVISIONS_DIR, databaseUrl: process.env.DATABASE_URL }).upgrade();
const db = createDatabase(process.env.DATABASE_URL);
try {
  await upsertGame(db, { igdb_id: 4242, title: 'Outer Wilds', description: 'a space exploration mystery' });
  const found = await searchGames(db, { query: 'space mystery' });
  let refused;
  try {
    await migrator.downgrade('head');
  } catch (error) {
    refused = error instanceof PlayLaterError ? error.code : String(error);
  }
  console.log(JSON.stringify({ before, upgraded, again, events: [...new Set(events)], found: found.map((g) => g.title), refused }));
} finally {
  await db.destroy();
}
`;

const APP_TYPES = `
import { Migrator, createDatabase, getGame, type MigrationResult, type MigrationStatus, type MigratorEvent, type Game, type Db } from 'play-later-db';

const migrator = new Migrator({ revisionsDir: 'migrations', databaseUrl: 'postgresql://localhost/app', onEvent: (event: MigratorEvent) => void event.type });
export async function startUp(): Promise<{ result: MigrationResult; status: MigrationStatus; game: Game | undefined }> {
  const result = await migrator.upgrade('head');
  const status = await migrator.status();
  const db: Db = createDatabase('postgresql://localhost/app');
  const game = await getGame(db, '00000000-0000-0000-0000-000000000000');
  const head: string | undefined = status.heads[0];
  void head;
  return { result, status, game };
}
// @ts-expect-error: a target is a string, the declarations say so
void migrator.upgrade(42);
`;

describe("the package, imported by its name as an app does", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ from: 'empty' });
  });
  afterAll(async () => database?.drop());

  it('migrates from code with Migrator and queries through a repository', () => {
    const app = appFolder();
    writeFileSync(path.join(app, 'start.mjs'), APP_SCRIPT);
    const run = spawnSync(process.execPath, ['start.mjs'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: database.url, REVISIONS_DIR },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.before).toMatchObject({ heads: [], atHead: false, edited: [] });
    expect(report.before.pending.length).toBeGreaterThan(0);
    expect(report.upgraded.steps.map((step: { revision: string }) => step.revision)).toEqual(report.before.pending);
    expect(report.upgraded.after).toEqual(report.before.revisionHeads);
    expect(report.again).toMatchObject({ steps: [], before: report.upgraded.after, after: report.upgraded.after });
    expect(report.events).toEqual(expect.arrayContaining(['step-started', 'step-done']));
    expect(report.found).toEqual(['Outer Wilds']);
    expect(report.refused).toBe('E_REVISION_RANGE');
  });

  it('type-checks against the emitted declarations (package.json exports → dist/*.d.ts)', () => {
    const app = appFolder();
    writeFileSync(path.join(app, 'start.ts'), APP_TYPES);
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [path.join(PROJECT_ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['start.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
