/**
 * `revision -m`: file name from the template (UTC, the slug once), slug rules, next id with a random
 * suffix, parents; the template's placeholder refuses to upgrade; `merge` joins the heads.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME } from '../../src/config/resolve-config.js';
import { loadRevisionGraph } from '../../src/runner/migrator.js';
import { MAX_REVISION_ID_LENGTH, PLACEHOLDER_MARKER } from '../../src/runner/revision.js';
import { nextRevisionId, slugify } from '../../src/runner/revision-writer.js';
import { readHeads } from '../../src/runner/version-table.js';
import { expectCliError, jsonResult } from '../support/expect-cli.js';
import { fixtureDir } from '../support/revision-folders.js';
import { runCli } from '../support/run-cli.js';
import { useTempFolders } from '../support/temp-folders.js';
import { useTestDatabases } from '../support/test-database.js';
import { embeddedServer } from '../support/servers.js';

const tempFolder = useTempFolders();
const testDatabase = useTestDatabases(embeddedServer);

/** A writable copy of a fixture folder. */
function copyOf(fixture: string): string {
  const dir = tempFolder('plt-revision-cmd-');
  cpSync(fixtureDir(fixture), dir, { recursive: true });
  return dir;
}

/** The seed's file name for `date` seen in UTC, to the minute. */
function utcStamp(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}_${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}

interface Written {
  revision: string;
  parents: string[];
  file: string;
}

describe('slug and id rules', () => {
  it('slugs like Alembic: words lower-cased and joined by _, cut at 40 characters on a word boundary', () => {
    expect(slugify('Add wishlist table!')).toBe('add_wishlist_table');
    expect(slugify("  user's   Game-stats: v2 ")).toBe('user_s_game_stats_v2');
    expect(slugify('Add a column that tracks the moment the user last opened the app')).toBe('add_a_column_that_tracks_the_moment_the_');
    expect(slugify('!!!')).toBe('');
  });

  it('ids are the next number, a random suffix two branches cannot both take, the slug; at most 32 characters', async () => {
    const graph = await loadRevisionGraph(fixtureDir('revisions-branch-merge'));
    expect(nextRevisionId(graph, 'Add wishlist table', 'a1b2')).toBe('007_a1b2_add_wishlist_table');
    const long = nextRevisionId(graph, 'Add a column that tracks the moment the user last opened the app', 'a1b2');
    expect(long.length).toBeLessThanOrEqual(MAX_REVISION_ID_LENGTH);
    expect(long).toBe('007_a1b2_add_a_column_that');
    expect(nextRevisionId(graph, 'Supercalifragilisticexpialidocious database change', 'a1b2')).toBe('007_a1b2_supercalifragilisticexp');
    expect(nextRevisionId(graph, '???', 'a1b2')).toBe('007_a1b2_revision');
    const ids = new Set(Array.from({ length: 20 }, () => nextRevisionId(graph, 'Add wishlist table')));
    expect(ids.size, 'two branches adding "Add wishlist table" get different ids').toBeGreaterThan(1);
    for (const id of ids) expect(id).toMatch(/^007_[0-9a-f]{4}_add_wishlist_table$/);
  });
});

describe('revision -m through the CLI', () => {
  it('writes the next revision after the head, named by the template in UTC whatever the local zone', async () => {
    const dir = copyOf('revisions-linear');
    const before = new Date();
    const result = await runCli(['--json', '--revisions-dir', dir, 'revision', '-m', 'Add wishlist table!'], {
      env: { TZ: 'Pacific/Kiritimati' }, // UTC+14: a local-time file name would show another day
    });
    const after = new Date();
    const written = jsonResult<Written>(result);
    expect(written.revision).toMatch(/^004_[0-9a-f]{4}_add_wishlist_table$/);
    expect(written.parents).toEqual(['003_third']);
    const name = path.basename(written.file);
    expect([`${utcStamp(before)}_${written.revision}.ts`, `${utcStamp(after)}_${written.revision}.ts`], 'the slug once, in the id').toContain(name);
    expect(readdirSync(dir)).toContain(name);
    const source = readFileSync(written.file, 'utf8');
    expect(source).toContain(`export const revision = '${written.revision}';`);
    expect(source).toContain("export const downRevision = '003_third';");
    expect(source).toContain('export const message = "Add wishlist table!";');
    expect(source, 'the template says when to go non-transactional and what lint checks').toMatch(/export const transactional = false[\s\S]*CONCURRENTLY[\s\S]*play-later-db lint/);
    const graph = await loadRevisionGraph(dir);
    expect(graph.heads).toEqual([written.revision]);
    const createDate = graph.get(written.revision).createDate.getTime();
    expect(createDate).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
    expect(createDate).toBeLessThanOrEqual(after.getTime());
  });

  it('uses the configured time zone and file template', async () => {
    const dir = copyOf('revisions-linear');
    const project = tempFolder('plt-revision-cfg-');
    writeFileSync(path.join(project, CONFIG_FILE_NAME), JSON.stringify({ revisionsDir: dir, timezone: 'Asia/Kolkata', fileTemplate: '%(rev)s_%(hour).2d%(minute).2d' }));
    const before = new Date();
    const written = jsonResult<Written>(await runCli(['--json', 'revision', '-m', 'Zoned'], { cwd: project }));
    const after = new Date();
    const kolkata = (date: Date): string => utcStamp(new Date(date.getTime() + 330 * 60_000)).slice(9);
    expect([`${written.revision}_${kolkata(before)}.ts`, `${written.revision}_${kolkata(after)}.ts`]).toContain(path.basename(written.file));
    // A file named by any template is a revision the next command sees.
    expect(jsonResult(await runCli(['--json', 'heads'], { cwd: project }))).toMatchObject({ heads: [written.revision] });
  });

  it('--parents a,b writes a merge revision that loads, becomes the single head and runs', async () => {
    const dir = copyOf('revisions-branch-merge');
    expectCliError(await runCli(['--revisions-dir', dir, 'revision', '-m', 'No parent given'], {}), 'E_MULTIPLE_HEADS', 2);
    const written = jsonResult<Written>(await runCli(['--json', '--revisions-dir', dir, 'revision', '-m', 'Merge features', '--parents', '005,006_feature_b']));
    expect(written).toMatchObject({ revision: expect.stringMatching(/^007_[0-9a-f]{4}_merge_features$/), parents: ['005_feature_a', '006_feature_b'] });
    expect(readFileSync(written.file, 'utf8')).toContain("export const downRevision = ['005_feature_a', '006_feature_b'];");

    const database = await testDatabase('empty');
    const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(['--json', '-d', database.url, '--revisions-dir', dir, ...args]);
    expect(jsonResult(await cli('heads'))).toMatchObject({ heads: [written.revision] });
    const upgraded = jsonResult<{ steps: Array<{ revision: string }> }>(await cli('upgrade', 'head'));
    expect(upgraded.steps.at(-1)?.revision).toBe(written.revision);
    const client = await database.connect();
    expect(await readHeads(client)).toEqual([written.revision]);
    jsonResult(await cli('downgrade', '-1'));
    expect(await readHeads(client)).toEqual(['005_feature_a', '006_feature_b']);
  });

  it('refuses an empty message and an unknown parent', async () => {
    const dir = copyOf('revisions-linear');
    expectCliError(await runCli(['--revisions-dir', dir, 'revision', '-m', '   ']), 'E_USAGE', 2);
    expectCliError(await runCli(['--revisions-dir', dir, 'revision', '-m', 'x', '--parents', '999']), 'E_REVISION_UNKNOWN', 2);
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('refuses to upgrade while the template still holds its placeholder, naming the file; runs once it is written', async () => {
    const dir = copyOf('revisions-linear');
    const written = jsonResult<Written>(await runCli(['--json', '--revisions-dir', dir, 'revision', '-m', 'Add wishlist']));
    const database = await testDatabase('empty');
    const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(['-d', database.url, '--revisions-dir', dir, ...args]);
    for (const args of [['upgrade', 'head'], ['upgrade', 'head', '--sql']]) {
      const refused = await cli(...args);
      expectCliError(refused, 'E_REVISION_PLACEHOLDER', 1);
      expect(refused.stderr).toContain(`${path.relative(process.cwd(), written.file)} still holds the placeholder`);
    }
    const client = await database.connect();
    expect(await readHeads(client), 'nothing ran, not even the revisions before it').toEqual([]);
    expect((await cli('upgrade', '003')).code, 'revisions before it still run on their own').toBe(0);
    const source = readFileSync(written.file, 'utf8');
    const finished = source
      .split('\n')
      .filter((line) => !line.includes(PLACEHOLDER_MARKER))
      .join('\n')
      .replace(/(up\(db: Kysely<any>\): Promise<void> \{)/, '$1\n  await sql`CREATE TABLE wishlist (id integer)`.execute(db);')
      .replace(/(down\(db: Kysely<any>\): Promise<void> \{)/, '$1\n  await sql`DROP TABLE wishlist`.execute(db);');
    writeFileSync(written.file, finished);
    const upgraded = await cli('upgrade', 'head');
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(await readHeads(client)).toEqual([written.revision]);
  });
});

describe('merge', () => {
  it('writes the merge revision of every head; the graph has one head again, and it runs', async () => {
    const dir = copyOf('revisions-branch-merge');
    const written = jsonResult<Written>(await runCli(['--json', '--revisions-dir', dir, 'merge']));
    expect(written).toMatchObject({ revision: expect.stringMatching(/^007_[0-9a-f]{4}_merge$/), parents: ['005_feature_a', '006_feature_b'] });
    const source = readFileSync(written.file, 'utf8');
    expect(source).toContain('export const message = "Merge 005_feature_a and 006_feature_b";');
    expect(source).not.toContain(PLACEHOLDER_MARKER);
    expect(jsonResult(await runCli(['--json', '--revisions-dir', dir, 'heads']))).toMatchObject({ heads: [written.revision] });
    const database = await testDatabase('empty');
    const upgraded = await runCli(['-d', database.url, '--revisions-dir', dir, 'upgrade', 'head']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(await readHeads(await database.connect())).toEqual([written.revision]);
  });

  it('refuses when there is nothing to merge', async () => {
    const dir = copyOf('revisions-linear');
    expectCliError(await runCli(['--revisions-dir', dir, 'merge', '-m', 'Nothing']), 'E_USAGE', 2);
    expect(readdirSync(dir)).toHaveLength(3);
  });
});
