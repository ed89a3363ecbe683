/**
 * How the schema is meant to be spread over a Citus cluster (docs/scale-out.md), and the rules
 * Citus applies to it, checked against the catalog of a plain PostgreSQL (Citus itself is not
 * installed here). One plan feeds both the readiness check and the generated distribution SQL
 * (docs/citus-distribution.sql), so they cannot disagree.
 */
import type pg from 'pg';
import { BOOKKEEPING_TABLES } from './describe-schema.js';

export interface DistributedTable {
  table: string;
  column: string;
  /** The table whose shards this one's are placed with ('none': a colocation group of its own). */
  colocateWith: string;
}

export interface DistributionPlan {
  referenceTables: readonly string[];
  /** In creation order: a table comes after the one it is colocated with or references. */
  distributedTables: readonly DistributedTable[];
  /** Functions pushed down to the shard of their argument's user. */
  distributedFunctions: ReadonlyArray<{ signature: string; argument: string; colocateWith: string }>;
  /** Tables that stay on the coordinator, as plain local tables. */
  coordinatorTables: readonly string[];
  shardCount: number;
}

/**
 * Per-user tables are distributed by user_id and colocated, so a user's collection, playthroughs
 * and stats live on one shard and join there. Sessions are distributed by session_id instead:
 * every request looks a session up by its token's hash and knows no user_id yet, so by user_id
 * each lookup would fan out to every shard; only "sign out everywhere" (by user_id) fans out.
 * games is small, read everywhere and joined with every per-user table: a reference table; so is
 * game_search_buckets (a few rows, read by the trigger on every insert into games).
 */
export const DISTRIBUTION_PLAN: DistributionPlan = {
  referenceTables: ['games', 'game_search_buckets'],
  distributedTables: [
    { table: 'user_game_collection', column: 'user_id', colocateWith: 'none' },
    { table: 'game_playthrough', column: 'user_id', colocateWith: 'user_game_collection' },
    { table: 'user_game_stats', column: 'user_id', colocateWith: 'user_game_collection' },
    { table: 'user_sessions', column: 'session_id', colocateWith: 'none' },
  ],
  distributedFunctions: [{ signature: 'refresh_user_stats(character varying)', argument: 'target_user_id', colocateWith: 'user_game_collection' }],
  coordinatorTables: BOOKKEEPING_TABLES,
  shardCount: 256,
};

export interface CitusViolation {
  rule: string;
  table: string;
  /** The constraint, index or column at fault. */
  object: string;
  detail: string;
}

interface TableRow {
  table: string;
}
interface UniqueRow {
  table: string;
  name: string;
  columns: string[];
  kind: string;
}
interface ForeignKeyRow {
  table: string;
  name: string;
  columns: string[];
  referenced_table: string;
  referenced_columns: string[];
  on_delete: string;
  on_update: string;
}
interface ColumnRow {
  table: string;
  column: string;
  not_null: boolean;
  identity: string;
  type: string;
}

const FK_ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/**
 * Every rule Citus would enforce when the plan's create_reference_table/create_distributed_table
 * run on this schema, as violations (none: ready).
 */
export async function checkCitusReadiness(client: pg.Client, plan: DistributionPlan = DISTRIBUTION_PLAN, schema = 'public'): Promise<CitusViolation[]> {
  const distributed = new Map(plan.distributedTables.map((entry) => [entry.table, entry]));
  const reference = new Set(plan.referenceTables);
  const coordinator = new Set(plan.coordinatorTables);
  const violations: CitusViolation[] = [];
  const violation = (rule: string, table: string, object: string, detail: string): void => {
    violations.push({ rule, table, object, detail });
  };

  const tables = await client.query<TableRow>(
    `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
    [schema],
  );
  for (const { table } of tables.rows) {
    if (!distributed.has(table) && !reference.has(table) && !coordinator.has(table)) {
      violation('table-in-plan', table, table, 'not in the distribution plan: distribute it, make it a reference table, or keep it on the coordinator');
    }
  }

  const columns = await client.query<ColumnRow>(
    `SELECT c.relname AS table, a.attname AS column, a.attnotnull AS not_null, a.attidentity::text AS identity,
            format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema],
  );
  const columnOf = (table: string, column: string): ColumnRow | undefined => columns.rows.find((row) => row.table === table && row.column === column);
  for (const entry of plan.distributedTables) {
    const column = columnOf(entry.table, entry.column);
    if (!column) {
      violation('distribution-column', entry.table, entry.column, 'the distribution column does not exist');
      continue;
    }
    if (!column.not_null) violation('distribution-column', entry.table, entry.column, 'the distribution column must be NOT NULL');
    if (entry.colocateWith !== 'none') {
      const anchor = distributed.get(entry.colocateWith);
      const anchorType = anchor && columnOf(anchor.table, anchor.column)?.type;
      if (anchorType !== column.type) {
        violation('colocation', entry.table, entry.column, `colocated with ${entry.colocateWith}, whose distribution column has type ${anchorType ?? 'unknown'}, not ${column.type}`);
      }
    }
    for (const identity of columns.rows.filter((row) => row.table === entry.table && row.identity !== '')) {
      violation('no-identity', entry.table, identity.column, 'distributed tables cannot use GENERATED … AS IDENTITY on this column type; use uuid or a sequence default');
    }
  }

  // Unique constraints and unique indexes alike: Citus enforces uniqueness per shard only.
  const uniques = await client.query<UniqueRow>(
    `SELECT t.relname AS table, i.relname AS name,
            CASE WHEN con.contype = 'p' THEN 'primary key' WHEN con.contype = 'u' THEN 'unique constraint' WHEN con.contype = 'x' THEN 'exclusion constraint' ELSE 'unique index' END AS kind,
            ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
      WHERE n.nspname = $1 AND (x.indisunique OR con.contype = 'x') ORDER BY 1, 2`,
    [schema],
  );
  for (const unique of uniques.rows) {
    const entry = distributed.get(unique.table);
    if (entry && !unique.columns.includes(entry.column)) {
      violation('unique-contains-distribution-column', unique.table, unique.name, `${unique.kind} (${unique.columns.join(', ')}) does not contain the distribution column ${entry.column}`);
    }
  }

  const foreignKeys = await client.query<ForeignKeyRow>(
    `SELECT t.relname AS table, con.conname AS name, r.relname AS referenced_table,
            con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS referenced_columns
       FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND con.contype = 'f' ORDER BY 1, 2`,
    [schema],
  );
  for (const key of foreignKeys.rows) checkForeignKey(key, { distributed, reference, coordinator, plan }, violation);
  return violations;
}

interface PlanLookup {
  distributed: Map<string, DistributedTable>;
  reference: Set<string>;
  coordinator: Set<string>;
  plan: DistributionPlan;
}

function checkForeignKey(key: ForeignKeyRow, lookup: PlanLookup, violation: (rule: string, table: string, object: string, detail: string) => void): void {
  const from = lookup.distributed.get(key.table);
  const to = lookup.distributed.get(key.referenced_table);
  const referencesDistributed = to !== undefined;
  if (lookup.reference.has(key.table) && referencesDistributed) {
    violation('no-reference-to-distributed', key.table, key.name, `reference table ${key.table} references distributed table ${key.referenced_table}`);
    return;
  }
  if (lookup.coordinator.has(key.table) && (referencesDistributed || lookup.reference.has(key.referenced_table))) {
    violation('no-local-to-distributed', key.table, key.name, `coordinator table ${key.table} references ${key.referenced_table}`);
    return;
  }
  if (!from) return;
  if (lookup.coordinator.has(key.referenced_table)) {
    violation('no-distributed-to-local', key.table, key.name, `distributed table ${key.table} references coordinator table ${key.referenced_table}`);
    return;
  }
  if (!to) return;
  const position = key.columns.indexOf(from.column);
  if (position === -1 || key.referenced_columns[position] !== to.column) {
    violation('foreign-key-on-distribution-column', key.table, key.name, `(${key.columns.join(', ')}) → ${key.referenced_table} (${key.referenced_columns.join(', ')}) does not pair ${key.table}.${from.column} with ${key.referenced_table}.${to.column}`);
  }
  if (colocationGroup(lookup.plan, key.table) !== colocationGroup(lookup.plan, key.referenced_table)) {
    violation('foreign-key-colocated', key.table, key.name, `${key.table} and ${key.referenced_table} are not colocated`);
  }
  if (position !== -1 && (key.on_delete === 'n' || key.on_delete === 'd')) {
    violation('foreign-key-actions', key.table, key.name, `ON DELETE ${FK_ACTIONS[key.on_delete]} is refused when the key includes the distribution column`);
  }
  if (position !== -1 && ['n', 'd', 'c'].includes(key.on_update)) {
    violation('foreign-key-actions', key.table, key.name, `ON UPDATE ${FK_ACTIONS[key.on_update]} is refused when the key includes the distribution column`);
  }
}

/** The table that anchors a table's colocation group. */
function colocationGroup(plan: DistributionPlan, table: string): string {
  const entry = plan.distributedTables.find((candidate) => candidate.table === table);
  if (!entry || entry.colocateWith === 'none') return table;
  return colocationGroup(plan, entry.colocateWith);
}

export const CITUS_DISTRIBUTION_FILE = 'docs/citus-distribution.sql';

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The SQL a team runs once on the Citus coordinator to distribute a database at head (offline). */
export function renderCitusDistributionSql(plan: DistributionPlan = DISTRIBUTION_PLAN): string {
  const lines = [
    '-- Distributes the Play Later schema over a Citus cluster: run once on the coordinator, as a',
    '-- superuser, on a database at head whose workers were added (citus_add_node), before the app',
    '-- writes through the coordinator. Existing rows are copied to the shards while each table is',
    '-- locked against writes: on a live database, distribute while it is small, or plan a window.',
    `-- Generated by \`npm run citus:generate\` from src/schema/citus-distribution.ts; do not edit.`,
    '-- A test fails when it is stale. The plan and its numbers: docs/scale-out.md.',
    '',
    'CREATE EXTENSION IF NOT EXISTS citus;',
    '-- unlink_playthroughs_before_collection_delete (on user_game_collection) clears links of the',
    "-- same user's playthroughs, i.e. on the colocated shard: Citus keeps triggers on distributed",
    '-- tables only when allowed to. Set it in every node\'s configuration too, not only here.',
    'SET citus.enable_unsafe_triggers = on;',
    `SET citus.shard_count = ${plan.shardCount};`,
    '',
    '-- Reference tables: a full copy on every node, joined locally with every shard.',
    ...plan.referenceTables.map((table) => `SELECT create_reference_table(${quote(`public.${table}`)});`),
    '',
    '-- Distributed tables, each after the table it is colocated with or references.',
    ...plan.distributedTables.map(
      (entry) => `SELECT create_distributed_table(${quote(`public.${entry.table}`)}, ${quote(entry.column)}, colocate_with => ${quote(entry.colocateWith)});`,
    ),
    '',
    "-- Functions that touch one user's rows run on that user's shard.",
    ...plan.distributedFunctions.map(
      (entry) =>
        `SELECT create_distributed_function(${quote(`public.${entry.signature}`)}, ${quote(entry.argument)}, colocate_with => ${quote(entry.colocateWith)});`,
    ),
    '',
    `-- Stay on the coordinator as local tables: ${plan.coordinatorTables.join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}
