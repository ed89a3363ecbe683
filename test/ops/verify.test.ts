/**
 * verify: passes on a database at head, and each kind of damage fails its own named check, with a
 * non-zero exit, in human output and --json. On every test server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { expectedObjects } from '../../src/ops/verify.js';
import { runCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { useVerifyAfter } from '../support/verify-after.js';


describeOnEachServer('verify', (server) => {
  const { verifyAfter, newDatabase, schemaFile } = useVerifyAfter(server);

  it('passes at head, every check named, and the smoke write leaves nothing behind', async () => {
    const result = await verifyAfter(async () => undefined);
    expect(result.code, result.stderr).toBe(0);
    expect(result.checks.map((c) => c.name)).toEqual([
      'tables',
      'critical indexes',
      'smoke write (rolled back)',
      'version table',
      'revision checksums',
      'at head',
      'functions, triggers and views',
      'no drift from the committed schema',
      'least privilege (probed as the app and read-only roles)',
    ]);
    expect(result.failed).toEqual([]);
    const games = await result.client.query('SELECT count(*)::int AS n FROM games');
    expect(games.rows[0].n).toBe(0);

    const human = await runCli(['verify', '--schema-file', schemaFile()], { env: { DATABASE_URL: result.database.url } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ok {3}critical indexes: idx_collection_user_id, idx_playthrough_user_status, idx_games_title_search$/m);
    expect(human.stdout).toContain('Verify passed.');
  });

  it('passes against the committed schema/schema.sql by default', async () => {
    const database = await newDatabase('head');
    const result = await runCli(['verify'], { env: { DATABASE_URL: database.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok {3}no drift from the committed schema: identical to .*schema\/schema\.sql$/m);
  });

  it('names the command that refreshes a schema file written for other revisions (stale after a new revision)', async () => {
    const database = await newDatabase('head');
    const stale = path.join(path.dirname(schemaFile()), 'stale-schema.sql');
    writeFileSync(stale, readFileSync(schemaFile(), 'utf8').replace(/^-- The Play Later schema at head[^\n]*/, '-- The Play Later schema at head (011_hash_stored_session_ids), described from the catalogs.'));
    const result = await runCli(['verify', '--schema-file', stale], { env: { DATABASE_URL: database.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`FAIL no drift from the committed schema: ${stale} is stale: it describes 011_hash_stored_session_ids, the revisions' head is`);
    expect(result.stderr).toMatch(/Run `play-later-db generate` and commit it\./);
    expect(result.stderr).toMatch(/^hint: .*`play-later-db generate` a stale schema\/schema\.sql\.$/m);
  });

  it('fails on a column added behind its back (drift), showing the line', async () => {
    const result = await verifyAfter((c) => c.query('ALTER TABLE games ADD COLUMN rogue integer').then(() => undefined));
    expect(result.code).toBe(1);
    expect(result.parsed.error?.code).toBe('E_VERIFY_FAILED');
    expect(result.failed.map((c) => c.name)).toEqual(['no drift from the committed schema']);
    expect(result.failed[0]!.detail).toContain('+     rogue integer');
  });

  it('fails on a missing critical index and a missing function, naming them', async () => {
    const result = await verifyAfter(async (c) => {
      await c.query('DROP INDEX idx_playthrough_user_status');
      await c.query('DROP FUNCTION cleanup_expired_sessions()');
    });
    expect(result.code).toBe(1);
    const byName = Object.fromEntries(result.failed.map((c) => [c.name, c.detail]));
    expect(byName['critical indexes']).toBe('missing valid index(s): idx_playthrough_user_status');
    expect(byName['functions, triggers and views']).toBe('missing: function cleanup_expired_sessions');
    expect(byName['no drift from the committed schema']).toBeDefined();
  });

  it('fails on a version table naming an unknown revision, and on a database behind head', async () => {
    const unknown = await verifyAfter((c) => c.query(`UPDATE alembic_version SET version_num = '099_not_a_revision'`).then(() => undefined));
    expect(unknown.code).toBe(1);
    expect(unknown.failed.map((c) => c.name)).toEqual(['version table', 'at head']);
    expect(unknown.failed[0]!.detail).toContain('099_not_a_revision');

    const behind = await verifyAfter(async (c) => {
      await c.query(`UPDATE alembic_version SET version_num = '004_add_session_management'`);
    });
    expect(behind.code).toBe(1);
    expect(behind.failed.map((c) => c.name)).toEqual(['at head']);
    expect(behind.failed[0]!.detail).toContain('pending: 005_add_database_views');
  });

  it('fails on a missing table', async () => {
    const result = await verifyAfter((c) => c.query('DROP TABLE user_sessions CASCADE').then(() => undefined));
    expect(result.failed.find((c) => c.name === 'tables')?.detail).toBe('missing table(s): user_sessions');
  });

  it('reads the expected objects from the description', () => {
    const objects = expectedObjects(readFileSync(schemaFile(), 'utf8'));
    expect(objects).toEqual(expect.arrayContaining(['function refresh_user_stats', 'function search_games', 'trigger update_games_updated_at', 'view active_collection']));
  });
});
