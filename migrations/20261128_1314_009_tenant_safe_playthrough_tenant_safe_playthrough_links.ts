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
 * Non-transactional, so that nothing blocks the tables' readers while it scans them: the unique
 * index is built CONCURRENTLY (a foreign key may reference a unique index); the foreign key is
 * added NOT VALID (checked for new rows at once) in the transaction that unlinks the wrong rows
 * and drops the seed's key, then validated in a transaction of its own. Each step can run again.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely, type QueryResult } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  log(message: string): void;
}

export const revision = '009_tenant_safe_playthrough';
export const downRevision = '008_correct_search_games';
export const message = 'Tenant-safe playthrough links';
export const createDate = '2026-11-28T13:14:00Z';
export const transactional = false;

/** Runs statements in one transaction of their own (this revision runs outside the runner's). */
async function inTransaction(db: Kysely<any>, statements: readonly string[]): Promise<QueryResult<unknown>[]> {
  await sql.raw('BEGIN').execute(db);
  try {
    const results: QueryResult<unknown>[] = [];
    for (const statement of statements) results.push(await sql.raw(statement).execute(db));
    await sql.raw('COMMIT').execute(db);
    return results;
  } catch (error) {
    await sql.raw('ROLLBACK').execute(db).catch(() => undefined);
    throw error;
  }
}

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  await sql`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_collection_id_user_game ON user_game_collection (id, user_id, game_id)`.execute(db);
  const [, , , unlinked] = await inTransaction(db, [
    'ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS fk_playthrough_collection_same_owner',
    `ALTER TABLE game_playthrough ADD CONSTRAINT fk_playthrough_collection_same_owner
       FOREIGN KEY (collection_id, user_id, game_id) REFERENCES user_game_collection (id, user_id, game_id)
       ON DELETE SET NULL (collection_id) NOT VALID`,
    'ALTER TABLE game_playthrough DISABLE TRIGGER update_playthrough_updated_at',
    `UPDATE game_playthrough p
        SET collection_id = NULL
       FROM user_game_collection c
      WHERE c.id = p.collection_id
        AND (c.user_id <> p.user_id OR c.game_id <> p.game_id)`,
    'ALTER TABLE game_playthrough ENABLE TRIGGER update_playthrough_updated_at',
    'ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS game_playthrough_collection_id_fkey',
  ]);
  context.log(`009: ${unlinked?.numAffectedRows ?? 0n} playthrough link(s) to another user's or another game's collection row set to NULL`);
  await inTransaction(db, ['ALTER TABLE game_playthrough VALIDATE CONSTRAINT fk_playthrough_collection_same_owner']);
}

/** Restores the seed's single-column foreign key; links cleared by up stay NULL (they were wrong). */
export async function down(db: Kysely<any>): Promise<void> {
  await inTransaction(db, [
    'ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS game_playthrough_collection_id_fkey',
    `ALTER TABLE game_playthrough ADD CONSTRAINT game_playthrough_collection_id_fkey
       FOREIGN KEY (collection_id) REFERENCES user_game_collection (id) ON DELETE SET NULL NOT VALID`,
    'ALTER TABLE game_playthrough DROP CONSTRAINT IF EXISTS fk_playthrough_collection_same_owner',
  ]);
  await inTransaction(db, ['ALTER TABLE game_playthrough VALIDATE CONSTRAINT game_playthrough_collection_id_fkey']);
  await sql`DROP INDEX CONCURRENTLY IF EXISTS uq_collection_id_user_game`.execute(db);
}
