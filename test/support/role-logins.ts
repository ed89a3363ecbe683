/**
 * Login users of the app and read-only roles, for the tests that run as them (test/security,
 * test/repositories): made on each test server by the global setup, once the templates have made the
 * roles (revision 013), with the password of the server's superuser URL, which
 * scripts/ci/start-test-servers.sh also gives them in PgBouncer's userlist.
 */
import type pg from 'pg';
import { DEFAULT_ROLE_NAMES } from '../../src/security/roles.js';

export const TEST_LOGINS = {
  app: { login: 'plt_test_app', role: DEFAULT_ROLE_NAMES.appRole },
  readonly: { login: 'plt_test_readonly', role: DEFAULT_ROLE_NAMES.readonlyRole },
} as const;
export type TestLogin = keyof typeof TEST_LOGINS;

/** Creates (or resets) the login users on the server `admin` is connected to. */
export async function ensureTestLogins(admin: pg.Client, adminUrl: string): Promise<void> {
  const password = decodeURIComponent(new URL(adminUrl).password);
  for (const { login, role } of Object.values(TEST_LOGINS)) {
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login]);
    const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
    await admin.query(`${verb} ROLE ${login} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD ${admin.escapeLiteral(password)}`);
    await admin.query(`GRANT ${role} TO ${login}`);
  }
}

/** The same URL (server, database, through PgBouncer or not), logged in as a test login instead. */
export function urlAs(url: string, login: TestLogin): string {
  const parsed = new URL(url);
  parsed.username = TEST_LOGINS[login].login;
  return parsed.toString();
}
