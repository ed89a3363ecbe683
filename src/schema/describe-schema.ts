import type pg from 'pg';
import type { RoleNames } from '../security/roles.js';
import { describePrivileges } from './describe-privileges.js';

/** The runner's own tables: left out of a description of the application's schema. */
export const BOOKKEEPING_TABLES = ['alembic_version', 'play_later_revision_history', 'play_later_background_migrations'];

export interface DescribeOptions {
  schema?: string;
  includeBookkeeping?: boolean;
  /**
   * 'position' (default): columns, and their comments, in table order, as committed in
   * schema/schema.sql. 'name': sorted by name, for comparisons that must not see column order.
   */
  columnOrder?: 'position' | 'name';
  /** The configured role names, written as the default ones (describe-privileges.ts). */
  roles?: Partial<RoleNames>;
}

/**
 * A deterministic description of a schema, built from the catalogs (pg_get_*def), as SQL text: the
 * same database gives the same text on PostgreSQL 15 to 18, so it can be committed, compared and
 * diffed. Objects are sorted by name; server-version differences (e.g. PostgreSQL 18's NOT NULL
 * entries in pg_constraint) are normalized away.
 */
export async function describeSchema(client: pg.Client, options: DescribeOptions = {}): Promise<string> {
  const schema = options.schema ?? 'public';
  const skip = options.includeBookkeeping ? [] : BOOKKEEPING_TABLES;
  const blocks: string[] = [];
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = [schema]): Promise<R[]> =>
    (await client.query<R>(text, values)).rows;

  const extensions = await q<{ extname: string }>(
    `SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1 ORDER BY 1`,
  );
  for (const { extname } of extensions) blocks.push(`CREATE EXTENSION ${quoteIdent(extname)};`);

  const types = await q<{ name: string; labels: string[] | null; domain: string | null }>(
    `SELECT t.typname AS name,
            CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS domain
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typtype IN ('e', 'd')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
      ORDER BY 1`,
  );
  for (const type of types) {
    blocks.push(
      type.labels
        ? `CREATE TYPE ${quoteIdent(type.name)} AS ENUM (${type.labels.map(quoteLiteral).join(', ')});`
        : `CREATE DOMAIN ${quoteIdent(type.name)} AS ${type.domain};`,
    );
  }

  const sequences = await q<{ name: string; definition: string }>(
    `SELECT c.relname AS name,
            format('AS %s START %s INCREMENT %s MINVALUE %s MAXVALUE %s CACHE %s%s', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS definition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
      WHERE n.nspname = $1 AND c.relkind = 'S'
        -- the sequence of a bookkeeping table's identity/serial column belongs to that table
        AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                         WHERE d.objid = c.oid AND d.deptype IN ('a', 'i') AND t.relname = ANY($2))
      ORDER BY 1`,
    [schema, skip],
  );
  for (const sequence of sequences) blocks.push(`CREATE SEQUENCE ${quoteIdent(sequence.name)} ${sequence.definition};`);

  const tables = await q<{ oid: number; name: string; comment: string | null }>(
    `SELECT c.oid, c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($2))
      ORDER BY 2`,
    [schema, skip],
  );
  for (const table of tables) {
    const columns = await q<{ name: string; type: string; not_null: boolean; default: string | null; generated: string; identity: string; collation: string | null; comment: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default, a.attgenerated AS generated, a.attidentity AS identity,
              CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
              col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY ${options.columnOrder === 'name' ? 'a.attname' : 'a.attnum'}`,
      [table.oid],
    );
    const lines = columns.map((column) => {
      let line = `    ${quoteIdent(column.name)} ${column.type}`;
      if (column.collation) line += ` COLLATE ${quoteIdent(column.collation)}`;
      if (column.generated === 's') line += ` GENERATED ALWAYS AS (${column.default}) STORED`;
      else if (column.generated === 'v') line += ` GENERATED ALWAYS AS (${column.default}) VIRTUAL`;
      else if (column.default !== null) line += ` DEFAULT ${column.default}`;
      if (column.identity === 'a') line += ' GENERATED ALWAYS AS IDENTITY';
      if (column.identity === 'd') line += ' GENERATED BY DEFAULT AS IDENTITY';
      if (column.not_null) line += ' NOT NULL';
      return line;
    });
    const statements = [`CREATE TABLE ${quoteIdent(table.name)} (\n${lines.join(',\n')}\n);`];
    if (table.comment !== null) statements.push(`COMMENT ON TABLE ${quoteIdent(table.name)} IS ${quoteLiteral(table.comment)};`);
    for (const column of columns) {
      if (column.comment !== null) {
        statements.push(`COMMENT ON COLUMN ${quoteIdent(table.name)}.${quoteIdent(column.name)} IS ${quoteLiteral(column.comment)};`);
      }
    }
    // contype 'n' (NOT NULL, recorded in pg_constraint since PostgreSQL 18) is already in the column list.
    const constraints = await q<{ name: string; definition: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid, true) AS definition
         FROM pg_constraint WHERE conrelid = $1 AND contype <> 'n' ORDER BY 1`,
      [table.oid],
    );
    for (const constraint of constraints) {
      statements.push(`ALTER TABLE ${quoteIdent(table.name)} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${normalizeDeparse(constraint.definition)};`);
    }
    blocks.push(statements.join('\n'));
  }

  const views = await q<{ name: string; kind: string; definition: string; comment: string | null }>(
    `SELECT c.relname AS name, c.relkind AS kind, pg_get_viewdef(c.oid, true) AS definition, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') ORDER BY 2 DESC, 1`,
  );
  for (const view of views) {
    const kind = view.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
    const statements = [`CREATE ${kind} ${quoteIdent(view.name)} AS\n${normalizeDeparse(view.definition.trimEnd())}`];
    if (view.comment !== null) statements.push(`COMMENT ON ${kind} ${quoteIdent(view.name)} IS ${quoteLiteral(view.comment)};`);
    blocks.push(statements.join('\n'));
  }

  const indexes = await q<{ definition: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT (t.relname = ANY($2))
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
      ORDER BY c.relname`,
    [schema, skip],
  );
  for (const index of indexes) blocks.push(`${normalizeDeparse(index.definition)};`);

  const functions = await q<{ definition: string; comment: string | null; signature: string }>(
    `SELECT pg_get_functiondef(p.oid) AS definition, obj_description(p.oid, 'pg_proc') AS comment,
            format('%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid)) AS signature
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.prokind IN ('f', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 3`,
  );
  for (const fn of functions) {
    const statements = [`${fn.definition.trimEnd()};`];
    if (fn.comment !== null) statements.push(`COMMENT ON FUNCTION ${fn.signature} IS ${quoteLiteral(fn.comment)};`);
    blocks.push(statements.join('\n'));
  }

  const triggers = await q<{ definition: string }>(
    `SELECT pg_get_triggerdef(t.oid) AS definition
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY c.relname, t.tgname`,
  );
  for (const trigger of triggers) blocks.push(`${trigger.definition};`);

  blocks.push(...(await describePrivileges(client, schema, skip, options.roles)));

  return `${blocks.join('\n\n')}\n`;
}

/**
 * One expression, two stored forms: `col IN ('a', 'b')` on a varchar column is stored as
 * ARRAY['a'::character varying, …]::text[], but once a dump is restored it is re-parsed from that
 * text as ARRAY['a'::character varying::text, …]. Both mean the same; the description shows the
 * first, so a database restored from a backup does not look changed.
 */
export function normalizeDeparse(definition: string): string {
  return definition.replace(
    /ARRAY\[((?:'(?:[^']|'')*'::character varying::text(?:, )?)+)\]/g,
    (_, elements: string) => `ARRAY[${elements.replace(/('(?:[^']|'')*')::character varying::text/g, '$1::character varying')}]::text[]`,
  );
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
