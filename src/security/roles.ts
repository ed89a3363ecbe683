import { sqlLiteral } from '../runner/sql-literal.js';

/**
 * The three group roles of the schema (docs/roles-and-security.md): the owner owns every object and
 * runs the revisions, the app role does DML under row-level security, the read-only role reads.
 * They are NOLOGIN roles made by revision 013; login users are members of them.
 */
export interface RoleNames {
  ownerRole: string;
  appRole: string;
  readonlyRole: string;
}

export const DEFAULT_ROLE_NAMES: RoleNames = {
  ownerRole: 'play_later_owner',
  appRole: 'play_later_app',
  readonlyRole: 'play_later_readonly',
};

/**
 * How a revision learns the configured names: the runner sets these for each revision's
 * transaction, and revision 013 reads them with current_setting(…, true), falling back to the
 * defaults (a revision is frozen, so it cannot import the config).
 */
export const ROLE_SETTINGS: Record<keyof RoleNames, string> = {
  ownerRole: 'play_later.owner_role',
  appRole: 'play_later.app_role',
  readonlyRole: 'play_later.readonly_role',
};

/** The user a transaction acts for: the row-level security policies compare user_id to it. */
export const USER_ID_SETTING = 'play_later.user_id';
/** The SHA-256 of the session token a transaction presents: reaches that one user_sessions row. */
export const SESSION_ID_SETTING = 'play_later.session_id';

export function roleNames(settings: Partial<RoleNames> = {}): RoleNames {
  return {
    ownerRole: settings.ownerRole ?? DEFAULT_ROLE_NAMES.ownerRole,
    appRole: settings.appRole ?? DEFAULT_ROLE_NAMES.appRole,
    readonlyRole: settings.readonlyRole ?? DEFAULT_ROLE_NAMES.readonlyRole,
  };
}

/**
 * What the runner sends at the start of each revision: the role-name settings, and SET ROLE to the
 * owner once it exists, may create in the schema and the session may act as it, so every object a revision makes is owned by
 * the owner and gets its default privileges. LOCAL inside a transaction (PgBouncer-safe); SESSION
 * on the non-transactional step's own connection.
 */
export function revisionRoleSql(settings: Partial<RoleNames>, scope: 'LOCAL' | 'SESSION'): string {
  const roles = roleNames(settings);
  const local = scope === 'LOCAL';
  const setConfigs = (Object.keys(ROLE_SETTINGS) as Array<keyof RoleNames>)
    .map((key) => `set_config(${sqlLiteral(ROLE_SETTINGS[key])}, ${sqlLiteral(roles[key])}, ${local})`)
    .join(', ');
  const owner = sqlLiteral(roles.ownerRole);
  return `SELECT ${setConfigs};
DO $play_later_role$ BEGIN
  -- Only where revision 013 set this database up (the owner may create in the schema): roles are
  -- cluster-wide, and a new database of the same cluster starts with revision 001 as its creator.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${owner}) AND pg_has_role(session_user, ${owner}, 'MEMBER')
     AND has_schema_privilege(${owner}, 'public', 'CREATE') THEN
    EXECUTE format('SET ${scope} ROLE %I', ${owner});
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  NULL; -- a member without the SET option (PostgreSQL 16+) keeps its own role
END $play_later_role$`;
}
