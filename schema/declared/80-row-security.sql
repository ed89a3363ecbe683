-- Row-level security (revision 013, docs/roles-and-security.md). The app role sees and writes only
-- the rows of the user set for the transaction; with no user set, no row. The read-only role reads
-- every row (analytics). (SELECT current_app_user_id()) is computed once per statement, so the
-- planner compares user_id to a constant and keeps the user_id indexes.
ALTER TABLE user_game_collection ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_game_collection FOR ALL TO play_later_app
    USING (user_id = (SELECT current_app_user_id())) WITH CHECK (user_id = (SELECT current_app_user_id()));
CREATE POLICY read_only_all_rows ON user_game_collection FOR SELECT TO play_later_readonly USING (true);

ALTER TABLE game_playthrough ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON game_playthrough FOR ALL TO play_later_app
    USING (user_id = (SELECT current_app_user_id())) WITH CHECK (user_id = (SELECT current_app_user_id()));
CREATE POLICY read_only_all_rows ON game_playthrough FOR SELECT TO play_later_readonly USING (true);

ALTER TABLE user_game_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_game_stats FOR ALL TO play_later_app
    USING (user_id = (SELECT current_app_user_id())) WITH CHECK (user_id = (SELECT current_app_user_id()));
CREATE POLICY read_only_all_rows ON user_game_stats FOR SELECT TO play_later_readonly USING (true);

-- Sessions hold (encrypted) tokens: the read-only role has no grant on them at all.
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_sessions FOR ALL TO play_later_app
    USING (user_id = (SELECT current_app_user_id())) WITH CHECK (user_id = (SELECT current_app_user_id()));
CREATE POLICY session_by_token ON user_sessions FOR ALL TO play_later_app
    USING (session_id = (SELECT current_app_session_id()));
REVOKE SELECT ON user_sessions FROM play_later_readonly;

-- Views are read-only for both roles, and run with the reader's rights (else as their owner,
-- past the policies).
ALTER VIEW active_collection SET (security_invoker = true);
ALTER VIEW playthrough_summary SET (security_invoker = true);
REVOKE INSERT, UPDATE, DELETE ON active_collection, playthrough_summary FROM play_later_app;

GRANT EXECUTE ON FUNCTION search_games(TEXT, VARCHAR, INTEGER) TO play_later_readonly;
GRANT EXECUTE ON FUNCTION game_search_keys(SMALLINT, VARCHAR, TSVECTOR), game_search_query(TEXT[], TEXT) TO play_later_readonly;

-- The search order's maintenance is the owner's: the refresh reads every user's collection.
REVOKE EXECUTE ON FUNCTION refresh_game_search_order(BOOLEAN), game_owner_class(UUID) FROM play_later_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON game_search_buckets FROM play_later_app;
