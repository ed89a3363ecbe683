import type pg from 'pg';
import { isPlayLaterError } from '../errors.js';
import { offlineRevisionSql } from './offline-sql.js';
import type { PlannedStep } from './plan.js';

export interface DataAtRisk {
  /** Tables the steps drop that exist now and hold at least one row. */
  tablesWithRows: string[];
  /** Revisions whose SQL cannot be known in advance (it depends on data): they may drop anything. */
  unknown: string[];
}

const DROP_TABLE = /\bdrop\s+table\s+(?:if\s+exists\s+)?((?:"[^"]+"|[\w.$]+)(?:\s*,\s*(?:"[^"]+"|[\w.$]+))*)/gi;

/**
 * What a downgrade would destroy, found before anything runs: the DROP TABLE statements of the
 * steps' offline SQL (the same capture as `downgrade --sql`), checked against the catalog for
 * tables that exist and hold rows. A revision whose SQL depends on data counts as unknown.
 */
export async function findDataAtRisk(client: pg.Client, steps: readonly PlannedStep[]): Promise<DataAtRisk> {
  const dropped = new Set<string>();
  const unknown: string[] = [];
  for (const step of steps) {
    try {
      for (const statement of await offlineRevisionSql(step.revision, step.direction)) {
        for (const match of statement.matchAll(DROP_TABLE)) for (const name of match[1]!.split(',')) dropped.add(name.trim());
      }
    } catch (error) {
      if (!isPlayLaterError(error) || error.code !== 'E_OFFLINE_UNSUPPORTED') throw error;
      unknown.push(step.revision.id);
    }
  }
  const tablesWithRows: string[] = [];
  for (const name of dropped) {
    const { rows } = await client.query<{ table: string | null }>(`SELECT to_regclass($1)::text AS table`, [name]);
    const table = rows[0]?.table;
    if (!table) continue; // created by a later step of the same downgrade, or already gone
    const held = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
    if ((held.rowCount ?? 0) > 0) tablesWithRows.push(table);
  }
  return { tablesWithRows, unknown };
}
