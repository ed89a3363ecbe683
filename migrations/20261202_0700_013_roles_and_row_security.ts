/**
 * Roles and row-level security.
 * Until here nothing named a role: the app, the runner and the tests connected as the database's
 * owner or a superuser, so a bug in the app could drop a table, rewrite the version table or read
 * every user's rows. This revision sets up three NOLOGIN group roles (docs/roles-and-security.md):
 *   - the owner owns every object of the schema and runs the revisions (the runner SETs ROLE to it);
 *   - the app role gets DML on the app's tables, SELECT on the views, EXECUTE on the functions and
 *     USAGE on sequences: no DDL, no TRUNCATE, no write to the version and history tables (it may
 *     read alembic_version, to check the schema it talks to);
 *   - the read-only role gets SELECT (analytics, replicas), but not on user_sessions.
 * Default privileges of the owner give a table, sequence or function made by a later revision the
 * same grants. Login users and passwords are never made here: ops tooling makes LOGIN users that
 * are members of these roles.
 * Row-level security on the per-user tables: the app role sees and writes only the rows of the user
 * set for the transaction (SET LOCAL play_later.user_id = '…', which works through PgBouncer in
 * transaction mode); no user set means no row. A session row is also reachable by the hash of its
 * token (SET LOCAL play_later.session_id), as sign-in and validation know no user yet. The views run with the invoker's rights
 * (security_invoker, PostgreSQL 15+), else they would read as their owner, past the policies.
 * Role names come from the settings play_later.owner_role, play_later.app_role and
 * play_later.readonly_role, which the runner sets for each revision's transaction from its config
 * (PLAY_LATER_OWNER_ROLE, …); the defaults below apply when they are not set (e.g. offline SQL).
 * Roles are cluster-wide: existing ones are used as they are. When one is missing and the migrating
 * user may not create roles, the revision fails with SQLSTATE 42501 and a detail naming the
 * statements an administrator runs once (in its DETAIL); nothing is skipped, since a skipped grant would leave the
 * app unable to work, or a skipped policy would leave it reading every user's rows.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '013_roles_and_row_security';
export const downRevision = '012_index_collection_by_game';
export const message = 'Roles and row-level security';
export const createDate = '2026-12-02T07:00:00Z';

const APP_TABLES = ['games', 'user_game_collection', 'game_playthrough', 'user_game_stats', 'user_sessions'];
const PER_USER_TABLES = ['user_game_collection', 'game_playthrough', 'user_game_stats', 'user_sessions'];
/** Tables the read-only role may not read: session rows hold (encrypted) tokens, analytics needs none. */
const NOT_READ_ONLY = ['user_sessions'];
const VIEWS = ['active_collection', 'playthrough_summary'];
const FUNCTIONS = [
  'cleanup_expired_sessions()',
  'games_search_vector_refresh()',
  'refresh_user_stats(character varying)',
  'search_games(text, character varying, integer)',
  'update_updated_at_column()',
  'current_app_user_id()',
  'current_app_session_id()',
];

/** The role names, as PL/pgSQL declarations: the runner's settings, else the defaults. */
const DECLARE_ROLES = `
  owner_role text := COALESCE(NULLIF(current_setting('play_later.owner_role', true), ''), 'play_later_owner');
  app_role text := COALESCE(NULLIF(current_setting('play_later.app_role', true), ''), 'play_later_app');
  readonly_role text := COALESCE(NULLIF(current_setting('play_later.readonly_role', true), ''), 'play_later_readonly');`;

/** A DO block that knows the role names; `body` uses owner_role, app_role and readonly_role. */
function withRoles(declarations: string, body: string): string {
  return `DO $play_later_013$
DECLARE${DECLARE_ROLES}
  ${declarations}
BEGIN
${body}
END
$play_later_013$`;
}

const list = (names: readonly string[]): string => `ARRAY[${names.map((name) => `'${name}'`).join(', ')}]`;

const CREATE_ROLES = withRoles(
  'missing text[]; role_name text; may_create boolean;',
  `  SELECT array_agg(wanted ORDER BY wanted) INTO missing
    FROM unnest(ARRAY[owner_role, app_role, readonly_role]) AS wanted
   WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted);
  IF missing IS NOT NULL THEN
    SELECT rolsuper OR rolcreaterole INTO may_create FROM pg_roles WHERE rolname = current_user;
    IF NOT may_create THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = format('013_roles_and_row_security: role(s) %s do not exist, and %I may not create roles (no CREATEROLE)', array_to_string(missing, ', '), current_user),
        DETAIL = format('An administrator creates them once per cluster: %s GRANT %I, %I TO %I; GRANT %I TO %I; then run the upgrade again (existing roles are used as they are).',
                      (SELECT string_agg(format('CREATE ROLE %I NOLOGIN;', m), ' ') FROM unnest(missing) AS m),
                      app_role, readonly_role, owner_role, owner_role, current_user);
    END IF;
    FOREACH role_name IN ARRAY missing LOOP
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
      EXCEPTION WHEN duplicate_object THEN
        NULL; -- created meanwhile by a migration of another database of this cluster
      END;
    END LOOP;
  END IF;
  -- The migrating user acts as the owner from here on (ALTER ... OWNER TO and default privileges need it).
  IF NOT pg_has_role(current_user, owner_role, 'MEMBER') THEN
    EXECUTE format('GRANT %I TO %I', owner_role, current_user);
  END IF;
  -- The owner may act as the other two (SET ROLE), so that verify can probe what they can do.
  IF NOT pg_has_role(owner_role, app_role, 'MEMBER') OR NOT pg_has_role(owner_role, readonly_role, 'MEMBER') THEN
    EXECUTE format('GRANT %I, %I TO %I', app_role, readonly_role, owner_role);
  END IF;
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', owner_role);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I, %I', app_role, readonly_role);`,
);

/** NULL (so: no row) when the transaction set no user; '' is what an unset custom setting reads as once it was set earlier in the session. */
const CREATE_CURRENT_USER_FUNCTION = `CREATE FUNCTION current_app_user_id() RETURNS VARCHAR(255)
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('play_later.user_id', true), '')::VARCHAR(255) $$`;

/**
 * A session is found by the hash of its token before its user is known (sign-in, validation): the
 * data layer sets play_later.session_id to that hash, and the policy session_by_token lets the
 * transaction reach that one row. Holding the token is the capability, as before.
 */
const CREATE_CURRENT_SESSION_FUNCTION = `CREATE FUNCTION current_app_session_id() RETURNS VARCHAR(64)
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('play_later.session_id', true), '')::VARCHAR(64) $$`;

/** Hands every table, view, sequence and routine of the schema to `newOwner` (a PL/pgSQL expression). */
function transferOwnership(newOwner: string): string {
  return `  FOR object IN
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, c.relname AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
       -- a serial's or identity's sequence follows its table
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
  LOOP
    EXECUTE format('ALTER %s %I OWNER TO %I', object.kind, object.name, ${newOwner});
  END LOOP;
  FOR object IN
    SELECT p.oid::regprocedure AS signature
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', object.signature, ${newOwner});
  END LOOP;`;
}

const TRANSFER_OWNERSHIP = withRoles('object record;', transferOwnership('owner_role'));

const GRANT_PRIVILEGES = withRoles(
  'table_name text; fn text;',
  `  FOREACH table_name IN ARRAY ${list(APP_TABLES)} LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO %I', table_name, app_role);
    IF NOT table_name = ANY(${list(NOT_READ_ONLY)}) THEN
      EXECUTE format('GRANT SELECT ON TABLE %I TO %I', table_name, readonly_role);
    END IF;
  END LOOP;
  FOREACH table_name IN ARRAY ${list(VIEWS)} LOOP
    EXECUTE format('ALTER VIEW %I SET (security_invoker = true)', table_name);
    EXECUTE format('GRANT SELECT ON TABLE %I TO %I, %I', table_name, app_role, readonly_role);
  END LOOP;
  EXECUTE format('GRANT SELECT ON TABLE alembic_version TO %I', app_role);
  FOREACH fn IN ARRAY ${list(FUNCTIONS)} LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, app_role);
  END LOOP;
  EXECUTE format('GRANT EXECUTE ON FUNCTION search_games(text, character varying, integer) TO %I', readonly_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', owner_role, app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT ON TABLES TO %I', owner_role, readonly_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE ON SEQUENCES TO %I', owner_role, app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC', owner_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO %I', owner_role, app_role);`,
);

/*
 * (SELECT current_app_user_id()) is an InitPlan, computed once per statement: the planner compares
 * user_id to a constant and keeps the user_id indexes (a bare function call per row would not).
 */
const CREATE_POLICIES = withRoles(
  'table_name text;',
  `  FOREACH table_name IN ARRAY ${list(PER_USER_TABLES)} LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', table_name);
    EXECUTE format('CREATE POLICY user_rows ON %I FOR ALL TO %I USING (user_id = (SELECT current_app_user_id())) WITH CHECK (user_id = (SELECT current_app_user_id()))', table_name, app_role);
    IF NOT table_name = ANY(${list(NOT_READ_ONLY)}) THEN
      EXECUTE format('CREATE POLICY read_only_all_rows ON %I FOR SELECT TO %I USING (true)', table_name, readonly_role);
    END IF;
  END LOOP;
  EXECUTE format('CREATE POLICY session_by_token ON user_sessions FOR ALL TO %I USING (session_id = (SELECT current_app_session_id()))', app_role);`,
);

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  // As the migrating user itself (the runner may have SET ROLE to an owner role that exists already):
  // granting on the schema needs the schema owner's rights, not the owner role's.
  await sql`RESET ROLE`.execute(db);
  await sql.raw(CREATE_ROLES).execute(db);
  await sql.raw(CREATE_CURRENT_USER_FUNCTION).execute(db);
  await sql.raw(
    `COMMENT ON FUNCTION current_app_user_id() IS 'The user the transaction acts for (SET LOCAL play_later.user_id), or NULL: the row-level security policies compare user_id to it.'`,
  ).execute(db);
  await sql.raw(CREATE_CURRENT_SESSION_FUNCTION).execute(db);
  await sql.raw(
    `COMMENT ON FUNCTION current_app_session_id() IS 'The SHA-256 of the session token the transaction presents (SET LOCAL play_later.session_id), or NULL: the policy session_by_token of user_sessions compares session_id to it.'`,
  ).execute(db);
  await sql.raw(TRANSFER_OWNERSHIP).execute(db);
  await sql`REVOKE CREATE ON SCHEMA public FROM PUBLIC`.execute(db);
  await sql.raw(GRANT_PRIVILEGES).execute(db);
  await sql.raw(CREATE_POLICIES).execute(db);
  const { rows } = await sql<{ roles: string }>`
    SELECT concat_ws(', ', COALESCE(NULLIF(current_setting('play_later.owner_role', true), ''), 'play_later_owner'),
                           COALESCE(NULLIF(current_setting('play_later.app_role', true), ''), 'play_later_app'),
                           COALESCE(NULLIF(current_setting('play_later.readonly_role', true), ''), 'play_later_readonly')) AS roles`.execute(db);
  context.log(`013: roles ${rows[0]?.roles ?? ''} granted; row-level security on ${PER_USER_TABLES.join(', ')}`);
}

/**
 * Back to 012: no policy, no grant, objects owned by the migrating user again. The roles stay
 * (they are cluster-wide, and other databases may use them); an administrator drops them.
 */
export async function down(db: Kysely<any>, context: RevisionContext): Promise<void> {
  await sql`RESET ROLE`.execute(db);
  await sql.raw(
    withRoles(
      'table_name text; fn text; object record;',
      `  FOREACH table_name IN ARRAY ${list(PER_USER_TABLES)} LOOP
    EXECUTE format('DROP POLICY IF EXISTS user_rows ON %I', table_name);
    EXECUTE format('DROP POLICY IF EXISTS read_only_all_rows ON %I', table_name);
    EXECUTE format('DROP POLICY IF EXISTS session_by_token ON %I', table_name);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', table_name);
  END LOOP;
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE ALL ON TABLES FROM %I, %I', owner_role, app_role, readonly_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %I', owner_role, app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM %I', owner_role, app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT EXECUTE ON FUNCTIONS TO PUBLIC', owner_role);
  FOREACH table_name IN ARRAY ${list(VIEWS)} LOOP
    EXECUTE format('ALTER VIEW %I RESET (security_invoker)', table_name);
  END LOOP;
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I, %I', app_role, readonly_role);
  EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I, %I', app_role, readonly_role);
  FOREACH fn IN ARRAY ${list(FUNCTIONS.filter((fn) => !fn.startsWith('current_app_')))} LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', fn);
  END LOOP;
  EXECUTE 'DROP FUNCTION current_app_user_id()';
  EXECUTE 'DROP FUNCTION current_app_session_id()';
${transferOwnership('current_user')}
  EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I, %I, %I', owner_role, app_role, readonly_role);`,
    ),
  ).execute(db);
  context.log('013 down: policies, grants and ownership removed; the roles stay (cluster-wide): an administrator drops them where no database uses them');
}
