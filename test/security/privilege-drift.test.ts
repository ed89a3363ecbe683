/**
 * Grants, policies, ownership and default privileges are part of the schema: a hand-made change
 * shows as drift in check and verify, and verify's probe as the app role fails when the app role
 * can run DDL or read another user's rows.
 */
import { expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { useTestDatabases } from '../support/test-database.js';
import { useVerifyAfter } from '../support/verify-after.js';


describeOnEachServer('privileges and policies checked like the schema', (server) => {
  const { verifyAfter } = useVerifyAfter(server);

  it('verify fails on a hand-made GRANT that lets the app role TRUNCATE and write the version table: drift and probe', async () => {
    const result = await verifyAfter(async (c) => {
      await c.query('GRANT TRUNCATE ON user_sessions TO play_later_app');
      await c.query('GRANT INSERT, UPDATE, DELETE ON alembic_version TO play_later_app');
    });
    expect(result.code).toBe(1);
    expect(result.failed.map((c) => c.name)).toEqual(['no drift from the committed schema', 'least privilege (probed as the app and read-only roles)']);
    expect(result.failed[0]!.detail).toContain('+ GRANT DELETE, INSERT, SELECT, TRUNCATE, UPDATE ON TABLE user_sessions TO play_later_app;');
    expect(result.failed[1]!.detail).toContain('play_later_app may TRUNCATE');
    expect(result.failed[1]!.detail).toContain('play_later_app may write the version table');
  });

  it("verify fails when a policy lets the app role read other users' rows, and when it may create tables", async () => {
    const result = await verifyAfter(async (c) => {
      await c.query('CREATE POLICY everything ON user_game_collection FOR SELECT TO play_later_app USING (true)');
      await c.query('GRANT CREATE ON SCHEMA public TO play_later_app');
    });
    expect(result.code).toBe(1);
    expect(result.failed.map((c) => c.name)).toEqual(['no drift from the committed schema', 'least privilege (probed as the app and read-only roles)']);
    expect(result.failed[0]!.detail).toContain('+ CREATE POLICY everything ON user_game_collection AS PERMISSIVE FOR SELECT TO play_later_app USING (true);');
    expect(result.failed[1]!.detail).toContain("play_later_app, acting for one user, read another user's collection rows");
    expect(result.failed[1]!.detail).toContain('play_later_app, with no user set, read 2 collection row(s)');
    expect(result.failed[1]!.detail).toContain('play_later_app may CREATE TABLE');
  });

});

// check builds scratch databases (CREATE DATABASE), which needs a direct connection, not PgBouncer.
describeOnEachServer('privilege drift in check', (server) => {
  const newDatabase = useTestDatabases(server);

  it('check --live shows a changed owner, a dropped policy and changed default privileges as drift', async () => {
    const database = await newDatabase('head');
    const client = await database.connect();
    await client.query('ALTER TABLE games OWNER TO postgres');
    await client.query('DROP POLICY read_only_all_rows ON game_playthrough');
    await client.query('ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner IN SCHEMA public GRANT TRUNCATE ON TABLES TO play_later_app');
    const result = await runCli(['check', '-d', database.url, '--live'], { timeoutMs: 120_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('-ALTER TABLE games OWNER TO play_later_owner;');
    expect(result.stderr).toContain('-CREATE POLICY read_only_all_rows ON game_playthrough AS PERMISSIVE FOR SELECT TO play_later_readonly USING (true);');
    expect(result.stderr).toContain('+ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner IN SCHEMA public GRANT DELETE, INSERT, SELECT, TRUNCATE, UPDATE ON TABLES TO play_later_app;');
  }, 180_000);
}, { kinds: ['embedded', 'pg15'] });
