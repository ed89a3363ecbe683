import path from 'node:path';
import type pg from 'pg';
import type { RoleNames } from '../security/roles.js';
import { readOrCreatePassword } from './embedded-server.js';

export interface EmbeddedLogin {
  /** The app's URL on this run's server (with its password: mask it before showing it). */
  url: string;
  passwordFile: string;
}

/**
 * On the embedded server, a login user of the app role (`<app role>_login`), with a generated
 * password kept in the data folder: what a developer points the app at. Made once revision 013 has
 * made the role; its password is set again on each call, from the same file.
 */
export async function ensureEmbeddedAppLogin(client: pg.Client, dataDir: string, ownerUrl: string, roles: Pick<RoleNames, 'appRole'>): Promise<EmbeddedLogin | undefined> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [roles.appRole]);
  if (exists.rowCount === 0) return undefined;
  const login = `${roles.appRole}_login`;
  const fileName = 'app-password';
  const password = readOrCreatePassword(path.resolve(dataDir), fileName);
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login]);
  const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
  await client.query(`${verb} ROLE ${client.escapeIdentifier(login)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`);
  await client.query(`GRANT ${client.escapeIdentifier(roles.appRole)} TO ${client.escapeIdentifier(login)}`);
  const url = new URL(ownerUrl);
  url.username = login;
  url.password = password;
  return { url: url.toString(), passwordFile: path.join(path.resolve(dataDir), fileName) };
}
