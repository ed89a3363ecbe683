import type pg from 'pg';
import { roleNames, USER_ID_SETTING, type RoleNames } from '../security/roles.js';

/** Synthetic users of the probe: their rows live only inside the rolled-back transaction. */
const USER_A = 'play-later-verify-user-a';
const USER_B = 'play-later-verify-user-b';

/** A statement the role must be refused (SQLSTATE 42501, insufficient_privilege). */
interface Forbidden {
  what: string;
  sql: string;
}

const APP_FORBIDDEN: Forbidden[] = [
  { what: 'CREATE TABLE', sql: 'CREATE TABLE play_later_verify_probe (id integer)' },
  { what: 'ALTER TABLE', sql: 'ALTER TABLE games ADD COLUMN play_later_verify_probe integer' },
  { what: 'DROP VIEW', sql: 'DROP VIEW active_collection' },
  { what: 'CREATE FUNCTION', sql: 'CREATE FUNCTION play_later_verify_probe() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$' },
  { what: 'TRUNCATE', sql: 'TRUNCATE user_sessions' },
  { what: 'write the version table', sql: "UPDATE alembic_version SET version_num = version_num || ''" },
  { what: 'write the revision history', sql: 'DELETE FROM play_later_revision_history' },
];

const READ_ONLY_FORBIDDEN: Forbidden[] = [
  { what: 'INSERT', sql: "INSERT INTO games (title) VALUES ('play-later-db verify probe')" },
  { what: 'UPDATE', sql: 'UPDATE user_game_collection SET notes = notes' },
  { what: 'DELETE', sql: 'DELETE FROM game_playthrough' },
  { what: 'CREATE TABLE', sql: 'CREATE TABLE play_later_verify_probe (id integer)' },
];

/**
 * Probes, as the app and read-only roles (SET LOCAL ROLE, which the owner may do), what they can
 * really do, inside one transaction that is always rolled back: two synthetic users get a
 * collection row each; the app role, acting for A, must read and change none of B's rows and none
 * at all with no user set; every DDL statement, TRUNCATE and write to the bookkeeping tables must
 * be refused, as must every write of the read-only role. Throws naming each hole found.
 */
export async function probeLeastPrivilege(client: pg.Client, settings: Partial<RoleNames> = {}): Promise<string> {
  const roles = roleNames(settings);
  const problems: string[] = [];
  await client.query('BEGIN');
  try {
    const game = await client.query<{ id: string }>("INSERT INTO games (title) VALUES ('play-later-db verify probe') RETURNING id");
    await client.query(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
       VALUES ($1, $3, 'PS5', 'DIGITAL', now() - interval '1 day'), ($2, $3, 'PS5', 'DIGITAL', now() - interval '1 day')`,
      [USER_A, USER_B, game.rows[0]!.id],
    );
    await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(roles.appRole)}`);
    await client.query('SELECT set_config($1, $2, true)', [USER_ID_SETTING, USER_A]);
    const seen = await client.query<{ user_id: string }>('SELECT DISTINCT user_id FROM user_game_collection WHERE user_id IN ($1, $2)', [USER_A, USER_B]);
    if (seen.rows.some((row) => row.user_id === USER_B)) problems.push(`${roles.appRole}, acting for one user, read another user's collection rows`);
    if (!seen.rows.some((row) => row.user_id === USER_A)) problems.push(`${roles.appRole} could not read the rows of the user it acts for`);
    const changed = await client.query('UPDATE user_game_collection SET notes = notes WHERE user_id = $1', [USER_B]);
    if (changed.rowCount !== 0) problems.push(`${roles.appRole}, acting for one user, updated another user's collection rows`);
    await client.query('SELECT set_config($1, NULL, true)', [USER_ID_SETTING]);
    const unset = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM user_game_collection WHERE user_id IN ($1, $2)', [USER_A, USER_B]);
    if (unset.rows[0]!.n !== 0) problems.push(`${roles.appRole}, with no user set, read ${unset.rows[0]!.n} collection row(s)`);
    problems.push(...(await refusals(client, roles.appRole, APP_FORBIDDEN)));
    await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(roles.readonlyRole)}`);
    problems.push(...(await refusals(client, roles.readonlyRole, READ_ONLY_FORBIDDEN)));
  } finally {
    await client.query('ROLLBACK');
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return `${roles.appRole} sees only its user's rows and none without a user, and is refused ${APP_FORBIDDEN.map((f) => f.what).join(', ')}; ${roles.readonlyRole} is refused every write (probed, rolled back)`;
}

/** The statements that were not refused with insufficient_privilege, each run in its own savepoint. */
async function refusals(client: pg.Client, role: string, statements: readonly Forbidden[]): Promise<string[]> {
  const holes: string[] = [];
  for (const { what, sql } of statements) {
    await client.query('SAVEPOINT play_later_probe');
    const refused = await client.query(sql).then(
      () => false,
      (error: { code?: string }) => error.code === '42501',
    );
    await client.query('ROLLBACK TO SAVEPOINT play_later_probe');
    if (!refused) holes.push(`${role} may ${what} (${sql})`);
  }
  return holes;
}
