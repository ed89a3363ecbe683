import type pg from 'pg';
import { sqlLiteral as literal } from './sql-literal.js';

/**
 * Alembic-compatible bookkeeping: alembic_version(version_num varchar(32)) holds one row per head,
 * so a database migrated by the seed's Alembic is recognized as it is.
 */
export const VERSION_TABLE = 'alembic_version';

/** The current heads, or [] when the table does not exist yet (`exists`: the caller knows it does). */
export async function readHeads(client: pg.Client, known: { exists?: boolean } = {}): Promise<string[]> {
  if (!known.exists) {
    const exists = await client.query<{ found: boolean }>(`SELECT to_regclass('${VERSION_TABLE}') IS NOT NULL AS found`);
    if (!exists.rows[0]?.found) return [];
  }
  const result = await client.query<{ version_num: string }>(`SELECT version_num FROM ${VERSION_TABLE} ORDER BY version_num`);
  return result.rows.map((row) => row.version_num);
}

/** The SQL that creates the version table exactly as Alembic does. */
export const CREATE_VERSION_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT ${VERSION_TABLE}_pkc PRIMARY KEY (version_num)
)`;

export async function ensureVersionTable(client: pg.Client): Promise<void> {
  await client.query(CREATE_VERSION_TABLE_SQL);
}

/** The statements that move the table from one set of heads to another. */
export function versionUpdateSql(before: readonly string[], after: readonly string[]): string[] {
  const removed = before.filter((id) => !after.includes(id));
  const added = after.filter((id) => !before.includes(id));
  const statements: string[] = [];
  if (removed.length > 0) {
    statements.push(`DELETE FROM ${VERSION_TABLE} WHERE version_num IN (${removed.map(literal).join(', ')})`);
  }
  if (added.length > 0) {
    statements.push(`INSERT INTO ${VERSION_TABLE} (version_num) VALUES ${added.map((id) => `(${literal(id)})`).join(', ')}`);
  }
  return statements;
}

export async function writeHeads(client: pg.Client, before: readonly string[], after: readonly string[]): Promise<void> {
  for (const statement of versionUpdateSql(before, after)) await client.query(statement);
}
