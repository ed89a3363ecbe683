/**
 * Tenant-safe playthrough links: a playthrough's collection_id can only point to a collection row
 * of the same user and the same game.
 * Corrects SEED-NOTES item 5: the seed's foreign key checks only collection_id, so a playthrough
 * could link another user's row. A unique key (id, user_id, game_id) on the collection and a
 * composite foreign key (collection_id, user_id, game_id) enforce it; ON DELETE SET NULL
 * (collection_id) (PostgreSQL 15+) still only clears the link when the collection row goes, and a
 * key that includes user_id is what distributing these tables by user_id will need later.
 * Existing links that break the rule are set to NULL (and counted); updated_at is kept, since it
 * feeds user_game_stats.last_activity and nobody played. A deleted collection row is found through
 * idx_playthrough_game_user (game_id, user_id), so no new index is needed on this side.
 *
 * Online on tables that serve traffic, so non-transactional, each step committed on its own:
 *  1. the unique index (id, user_id, game_id) built CONCURRENTLY, then attached as the constraint
 *     uq_collection_id_user_game (UNIQUE USING INDEX: a catalog change, no build under lock);
 *  2. the composite foreign key added NOT VALID: from then on every new or changed link is
 *     checked, without a scan of the existing rows;
 *  3. the existing bad links found (a read that blocks nobody) and set to NULL;
 *  4. the foreign key validated (a scan that blocks neither readers nor writers);
 *  5. the seed's single-column key dropped: until here it kept checking too.
 * Every step is safe to run again (the runner re-runs the whole revision after a crash or a lock
 * timeout): the index is built IF NOT EXISTS (an INVALID one is dropped by the runner first), an
 * attached constraint is recognized, the foreign key is dropped before it is added again.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '009_tenant_safe_playthrough';
export const downRevision = '008_correct_search_games';
export const message = 'Tenant-safe playthrough links';
export const createDate = '2026-11-28T13:14:00Z';
export const transactional = false;

/** What ADD CONSTRAINT … USING INDEX raises when an earlier run attached the index already. */
function isAlreadyAttached(error: unknown): boolean {
  const { code, routine } = error as { code?: string; routine?: string };
  return code === '55000' && routine === 'transformIndexConstraint';
}

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  await sql`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_collection_id_user_game ON user_game_collection (id, user_id, game_id)`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql`ALTER TABLE user_game_collection ADD CONSTRAINT uq_collection_id_user_game UNIQUE USING INDEX uq_collection_id_user_game`.execute(trx);
    });
  } catch (error) {
    if (!isAlreadyAttached(error)) throw error; // ADD CONSTRAINT has no IF NOT EXISTS
  }
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS fk_playthrough_collection_same_owner`.execute(trx);
    await sql`
      ALTER TABLE game_playthrough ADD CONSTRAINT fk_playthrough_collection_same_owner
        FOREIGN KEY (collection_id, user_id, game_id) REFERENCES user_game_collection (id, user_id, game_id)
        ON DELETE SET NULL (collection_id) NOT VALID`.execute(trx);
  });
  /*
   * The scan for bad links runs before the trigger is disabled, so writers wait only for the
   * update of the rows it found. No new bad link can appear meanwhile: the key above checks them.
   */
  const unlinked = await db.transaction().execute(async (trx) => {
    await sql`
      CREATE TEMPORARY TABLE play_later_009_bad_links ON COMMIT DROP AS
      SELECT p.id
        FROM game_playthrough p
        JOIN user_game_collection c ON c.id = p.collection_id
       WHERE c.user_id <> p.user_id OR c.game_id <> p.game_id`.execute(trx);
    await sql`ALTER TABLE game_playthrough DISABLE TRIGGER update_playthrough_updated_at`.execute(trx);
    const result = await sql`
      UPDATE game_playthrough p
         SET collection_id = NULL
        FROM play_later_009_bad_links b, user_game_collection c
       WHERE p.id = b.id
         AND c.id = p.collection_id
         AND (c.user_id <> p.user_id OR c.game_id <> p.game_id)`.execute(trx);
    await sql`ALTER TABLE game_playthrough ENABLE TRIGGER update_playthrough_updated_at`.execute(trx);
    return result.numAffectedRows ?? 0n;
  });
  context.log(`009: ${unlinked} playthrough link(s) to another user's or another game's collection row set to NULL`);
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE game_playthrough VALIDATE CONSTRAINT fk_playthrough_collection_same_owner`.execute(trx);
  });
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS game_playthrough_collection_id_fkey`.execute(trx);
  });
}

/**
 * Restores the seed's single-column foreign key (validated, as the seed had it) the same way: NOT
 * VALID, then VALIDATE, then the composite key and the unique key dropped. Links cleared by up stay
 * NULL (they were wrong). Safe to run again.
 */
export async function down(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS game_playthrough_collection_id_fkey`.execute(trx);
    await sql`
      ALTER TABLE game_playthrough ADD CONSTRAINT game_playthrough_collection_id_fkey
        FOREIGN KEY (collection_id) REFERENCES user_game_collection (id) ON DELETE SET NULL NOT VALID`.execute(trx);
  });
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE game_playthrough VALIDATE CONSTRAINT game_playthrough_collection_id_fkey`.execute(trx);
  });
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS fk_playthrough_collection_same_owner`.execute(trx);
    await sql`ALTER TABLE user_game_collection DROP CONSTRAINT IF EXISTS uq_collection_id_user_game`.execute(trx);
  });
}
