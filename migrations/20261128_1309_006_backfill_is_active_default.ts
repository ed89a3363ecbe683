/**
 * Backfill is_active, default true, not null.
 * Corrects SEED-NOTES item 1: the seed's is_active had only a Python-side default, so rows written
 * with plain SQL got NULL and silently vanished from active_collection, search_games().owned and
 * the stats. NULL always meant "active" to the app, so NULL becomes true.
 *
 * Online on a table that serves traffic, so non-transactional: every step commits on its own and
 * no step holds a lock that blocks readers for longer than a catalog change.
 *  1. DEFAULT true: rows written from now on without is_active are active.
 *  2. Backfill NULL -> true in batches of 1,000 rows (by id), each batch committed.
 *  3. CHECK (is_active IS NOT NULL) NOT VALID: new writes are checked, no scan.
 *  4. The backfill again, for NULLs written explicitly while 2 ran (the check rejects them since 3).
 *  5. VALIDATE the check: a scan that blocks neither readers nor writers.
 *  6. SET NOT NULL, which PostgreSQL 12+ proves from the validated check without a scan, and drop
 *     the check, now redundant.
 * Every step is safe to run again (the runner re-runs the whole revision after a crash or a lock
 * timeout): DEFAULT and NOT NULL are idempotent, the check is dropped before it is added, the
 * backfill only touches rows still NULL.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '006_backfill_is_active_default';
export const downRevision = '005_add_database_views';
export const message = 'Backfill is_active, default true, not null';
export const createDate = '2026-11-28T13:09:54Z';
export const transactional = false;

/*
 * One DO statement that commits after each batch (PostgreSQL 11+ allows COMMIT in a DO block run
 * outside a transaction block), so it runs the same online and in offline SQL. The backfill is not
 * a user's edit: updated_at is kept by disabling its trigger inside each batch's transaction, only
 * for a batch that has NULLs (other sessions never see it disabled; their writes wait for that
 * batch only).
 */
const BACKFILL_IN_BATCHES = `DO $backfill$
DECLARE
    lo uuid;
    hi uuid;
BEGIN
    SELECT id INTO lo FROM user_game_collection ORDER BY id LIMIT 1;
    WHILE lo IS NOT NULL LOOP
        SELECT id INTO hi FROM (SELECT id FROM user_game_collection WHERE id >= lo ORDER BY id LIMIT 1000) AS batch ORDER BY id DESC LIMIT 1;
        IF EXISTS (SELECT 1 FROM user_game_collection WHERE id BETWEEN lo AND hi AND is_active IS NULL) THEN
            ALTER TABLE user_game_collection DISABLE TRIGGER update_collection_updated_at;
            UPDATE user_game_collection SET is_active = true WHERE id BETWEEN lo AND hi AND is_active IS NULL;
            ALTER TABLE user_game_collection ENABLE TRIGGER update_collection_updated_at;
        END IF;
        COMMIT;
        SELECT id INTO lo FROM user_game_collection WHERE id > hi ORDER BY id LIMIT 1;
    END LOOP;
END
$backfill$`;

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active SET DEFAULT true`.execute(trx);
  });
  const { rows } = await sql<{ rows: string }>`SELECT count(*) AS rows FROM user_game_collection WHERE is_active IS NULL`.execute(db);
  await sql.raw(BACKFILL_IN_BATCHES).execute(db);
  context.log(`006: ${rows[0]?.rows ?? 0} collection row(s) with is_active NULL set to true`);
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE user_game_collection DROP CONSTRAINT IF EXISTS ck_collection_is_active_not_null`.execute(trx);
    await sql`ALTER TABLE user_game_collection ADD CONSTRAINT ck_collection_is_active_not_null CHECK (is_active IS NOT NULL) NOT VALID`.execute(trx);
  });
  await sql.raw(BACKFILL_IN_BATCHES).execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE user_game_collection VALIDATE CONSTRAINT ck_collection_is_active_not_null`.execute(trx);
  });
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active SET NOT NULL`.execute(trx);
    await sql`ALTER TABLE user_game_collection DROP CONSTRAINT IF EXISTS ck_collection_is_active_not_null`.execute(trx);
  });
}

/** Restores the seed's column; the backfilled rows stay true (NULL meant true to the app). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE user_game_collection DROP CONSTRAINT IF EXISTS ck_collection_is_active_not_null`.execute(trx);
    await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active DROP NOT NULL`.execute(trx);
    await sql`ALTER TABLE user_game_collection ALTER COLUMN is_active DROP DEFAULT`.execute(trx);
  });
}
