-- The roles of docs/roles-and-security.md, by their default names (revision 013 makes them; the
-- names are configurable, see src/security/roles.ts). Roles are cluster-wide: made only if missing.
DO $$
DECLARE
    role_name TEXT;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['play_later_owner', 'play_later_app', 'play_later_readonly'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$$;
GRANT play_later_owner TO CURRENT_USER;
GRANT play_later_app, play_later_readonly TO play_later_owner;
GRANT USAGE, CREATE ON SCHEMA public TO play_later_owner;
GRANT USAGE ON SCHEMA public TO play_later_app, play_later_readonly;

-- What the owner makes gets these grants: the app role DML and EXECUTE, the read-only role SELECT.
ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO play_later_app;
ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner IN SCHEMA public GRANT SELECT ON TABLES TO play_later_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner IN SCHEMA public GRANT USAGE ON SEQUENCES TO play_later_app;
ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE play_later_owner IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO play_later_app;

-- Everything declared after this runs as the owner, so the owner owns it (the declaration is
-- applied in one transaction).
SET LOCAL ROLE play_later_owner;

-- The user the transaction acts for (SET LOCAL play_later.user_id), or NULL; the policies of
-- 80-row-security.sql compare user_id to it.
CREATE FUNCTION current_app_user_id() RETURNS VARCHAR(255)
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('play_later.user_id', true), '')::VARCHAR(255) $$;
COMMENT ON FUNCTION current_app_user_id() IS 'The user the transaction acts for (SET LOCAL play_later.user_id), or NULL: the row-level security policies compare user_id to it.';

-- The SHA-256 of the session token the transaction presents (SET LOCAL play_later.session_id), or
-- NULL: lets sign-in and validation reach one session row before its user is known.
CREATE FUNCTION current_app_session_id() RETURNS VARCHAR(64)
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('play_later.session_id', true), '')::VARCHAR(64) $$;
COMMENT ON FUNCTION current_app_session_id() IS 'The SHA-256 of the session token the transaction presents (SET LOCAL play_later.session_id), or NULL: the policy session_by_token of user_sessions compares session_id to it.';
