/**
 * Revision 013 on a cluster where the migrating user may not create roles: it fails, naming the
 * roles and the statements an administrator runs once; once they exist it uses them as they are.
 * Custom role names (as PLAY_LATER_*_ROLE would set) reach the revision through the runner, and
 * `check --live` and `verify` accept a database whose roles are named so.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { PlayLaterError } from '../../src/errors.js';
import { Migrator } from '../../src/runner/migrator.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { runCli } from '../support/run-cli.js';
import { embeddedServer } from '../support/servers.js';
import { loadProjectGraph } from '../support/template-databases.js';

const suffix = randomBytes(3).toString('hex');
const login = `plt_test_migrator_${suffix}`;
const roles = { ownerRole: `plt_owner_${suffix}`, appRole: `plt_app_${suffix}`, readonlyRole: `plt_ro_${suffix}` };
const database = `plt_test_roles_${suffix}`;

describe('revision 013 and the roles it needs', () => {
  const server = embeddedServer();
  afterAll(async () => {
    const admin = await connect(server.adminUrl);
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      for (const role of [login, ...Object.values(roles)]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await disconnect(admin);
    }
  });

  it('fails with the statements to run when the roles are missing and it may not create them, then uses the roles an administrator made', async () => {
    const password = randomBytes(12).toString('hex');
    const admin = await connect(server.adminUrl);
    await admin.query(`CREATE ROLE ${login} LOGIN CREATEDB NOCREATEROLE PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${login}`);
    const url = new URL(urlWith(server.adminUrl, database));
    url.username = login;
    url.password = password;
    const graph = await loadProjectGraph();
    const client = await connect(url.toString());
    try {
      const upgrade = () =>
        new Migrator({ graph, client, settings: roles, directUrl: url.toString() }).upgrade('heads');
      const error = await upgrade().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(PlayLaterError);
      expect(error).toMatchObject({ code: 'E_REVISION_FAILED', data: { revision: '013_roles_and_row_security', sqlState: '42501' } });
      const text = (error as Error).message;
      expect(text).toContain(`role(s) ${[roles.appRole, roles.ownerRole, roles.readonlyRole].sort().join(', ')} do not exist, and ${login} may not create roles`);
      expect(text).toContain(`CREATE ROLE ${roles.ownerRole} NOLOGIN;`);
      expect(text).toContain(`GRANT ${roles.appRole}, ${roles.readonlyRole} TO ${roles.ownerRole}; GRANT ${roles.ownerRole} TO ${login};`);
      expect((error as PlayLaterError).hint).toContain('The migrating role lacks a privilege this revision needs: grant it (what the DETAIL above says, as a superuser)');
      const { rows } = await client.query('SELECT version_num FROM alembic_version');
      expect(rows).toEqual([{ version_num: '012_index_collection_by_game' }]);

      // What the DETAIL says, run by an administrator; then the upgrade goes through with those roles.
      for (const role of Object.values(roles)) await admin.query(`CREATE ROLE ${role} NOLOGIN`);
      await admin.query(`GRANT ${roles.appRole}, ${roles.readonlyRole} TO ${roles.ownerRole}`);
      await admin.query(`GRANT ${roles.ownerRole} TO ${login}`);
      await upgrade();
      const owners = await client.query<{ owner: string }>(`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v')`);
      expect(owners.rows).toEqual([{ owner: roles.ownerRole }]);
      const policies = await client.query<{ roles: string }>(`SELECT DISTINCT roles::text FROM pg_policies WHERE policyname = 'user_rows'`);
      expect(policies.rows).toEqual([{ roles: `{${roles.appRole}}` }]);
      // Described with the default names, the database matches the committed head schema.
      const described = await describeSchema(client, { roles });
      expect(described).toContain('ALTER TABLE games OWNER TO play_later_owner;');
      expect(described).not.toContain(suffix);
      // The CLI with the same names configured: check --live sees no drift, verify passes (the app
      // role under these names can run no DDL and reads no other user's rows).
      const env = { DATABASE_URL: url.toString(), PLAY_LATER_OWNER_ROLE: roles.ownerRole, PLAY_LATER_APP_ROLE: roles.appRole, PLAY_LATER_READONLY_ROLE: roles.readonlyRole };
      const check = await runCli(['check', '--live'], { env });
      expect(check.code, check.stderr + check.stdout).toBe(0);
      const verify = await runCli(['verify'], { env });
      expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    } finally {
      await disconnect(client);
      await disconnect(admin);
    }
  });
});
