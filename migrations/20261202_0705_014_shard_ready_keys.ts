/**
 * Shard-ready keys.
 * Citus (sharding by user) requires the distribution column, user_id, in every primary key and
 * unique constraint of a distributed table, and refuses ON DELETE SET NULL on a foreign key that
 * includes it (docs/scale-out.md, test/scale-out/citus-readiness.test.ts). So:
 * - user_game_collection and game_playthrough get PRIMARY KEY (user_id, id) instead of (id): every
 *   query of the data layer names both (owned rows), and uq_collection_id_user_game still leads
 *   with id for the rare lookup by id alone.
 * - fk_playthrough_collection_same_owner loses ON DELETE SET NULL (collection_id); a BEFORE DELETE
 *   trigger on the collection clears the links first, so deleting a collection row still keeps its
 *   playthroughs with collection_id NULL.
 * Online: each new key's index is built CONCURRENTLY and then swapped in with PRIMARY KEY USING
 * INDEX (a short ACCESS EXCLUSIVE lock, no scan: both columns are already NOT NULL); the foreign
 * key is re-added NOT VALID (short lock) and validated without blocking writes. Each step checks
 * the catalog first, so a re-run after a crash resumes where it stopped.
 * Frozen once released: change the schema with a new revision, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

/** What the runner passes besides the connection (src/runner/revision.ts), typed here so the file stays frozen. */
interface RevisionContext {
  offline: boolean;
}

export const revision = '014_shard_ready_keys';
export const downRevision = '013_roles_and_row_security';
export const message = 'Shard-ready keys';
export const createDate = '2026-12-02T07:05:00Z';
export const transactional = false;

type KeyedTable = 'user_game_collection' | 'game_playthrough';
const KEYED_TABLES: readonly KeyedTable[] = ['user_game_collection', 'game_playthrough'];

export async function up(db: Kysely<any>, context: RevisionContext): Promise<void> {
  for (const table of KEYED_TABLES) await swapPrimaryKey(db, context, table, ['user_id', 'id']);
  // In a transaction, so that the runner's SET LOCAL ROLE (the owner, revision 013) applies through a pooler too.
  await db.transaction().execute(async (trx) => {
    await sql`CREATE OR REPLACE FUNCTION unlink_playthroughs_of_collection_row()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE game_playthrough
       SET collection_id = NULL
     WHERE user_id = OLD.user_id AND collection_id = OLD.id;
    RETURN OLD;
END;
$$`.execute(trx);
    await sql`CREATE OR REPLACE TRIGGER unlink_playthroughs_before_collection_delete
BEFORE DELETE ON user_game_collection
FOR EACH ROW EXECUTE FUNCTION unlink_playthroughs_of_collection_row()`.execute(trx);
  });
  await replaceCollectionLink(db, '');
}

export async function down(db: Kysely<any>, context: RevisionContext): Promise<void> {
  await replaceCollectionLink(db, 'ON DELETE SET NULL (collection_id)');
  await db.transaction().execute(async (trx) => {
    await sql`DROP TRIGGER IF EXISTS unlink_playthroughs_before_collection_delete ON user_game_collection`.execute(trx);
    await sql`DROP FUNCTION IF EXISTS unlink_playthroughs_of_collection_row()`.execute(trx);
  });
  for (const table of KEYED_TABLES) await swapPrimaryKey(db, context, table, ['id']);
}

/**
 * Makes `columns` the primary key of `table`, keeping its name `<table>_pkey`: the new key's index
 * is built CONCURRENTLY under a temporary name, then the old key is dropped and the index promoted
 * in one ALTER TABLE (which renames it to the constraint's name).
 */
async function swapPrimaryKey(db: Kysely<any>, context: RevisionContext, table: KeyedTable, columns: readonly string[]): Promise<void> {
  if (!context.offline) {
    const current = await sql<{ columns: string[] }>`
      SELECT array_agg(a.attname::text ORDER BY k.ordinality) AS columns
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.conrelid = ${table}::regclass AND c.contype = 'p'`.execute(db);
    if (current.rows[0]?.columns?.join(',') === columns.join(',')) return;
  }
  const pkey = sql.id(`${table}_pkey`);
  const staged = sql.id(`${table}_${columns.join('_')}_pkey_new`);
  await sql`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${staged} ON ${sql.table(table)} (${sql.join(columns.map((column) => sql.id(column)))})`.execute(db);
  await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT IF EXISTS ${pkey}, ADD CONSTRAINT ${pkey} PRIMARY KEY USING INDEX ${staged}`.execute(db);
}

/**
 * Re-creates the tenant-safe link from a playthrough to its collection row with `onDelete`: added
 * NOT VALID in the same statement that drops the old one (the link is enforced throughout), then
 * validated, which blocks no writes.
 */
async function replaceCollectionLink(db: Kysely<any>, onDelete: '' | 'ON DELETE SET NULL (collection_id)'): Promise<void> {
  await sql`ALTER TABLE game_playthrough
    DROP CONSTRAINT IF EXISTS fk_playthrough_collection_same_owner,
    ADD CONSTRAINT fk_playthrough_collection_same_owner FOREIGN KEY (collection_id, user_id, game_id)
        REFERENCES user_game_collection (id, user_id, game_id) ${sql.raw(onDelete)} NOT VALID`.execute(db);
  await sql`ALTER TABLE game_playthrough VALIDATE CONSTRAINT fk_playthrough_collection_same_owner`.execute(db);
}
