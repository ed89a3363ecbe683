import type pg from 'pg';
import { BOOKKEEPING_TABLES } from './describe-schema.js';

/** Where the generated diagram is committed (the README links to it). */
export const ERD_FILE = 'docs/erd.md';

interface ColumnRow {
  table: string;
  column: string;
  type: string;
  not_null: boolean;
  keys: string[];
}

interface ForeignKeyRow {
  child: string;
  parent: string;
  columns: string[];
  nullable: boolean;
  unique: boolean;
}

/**
 * A Mermaid erDiagram of the tables of a live database, from the catalogs: every column with its
 * type and keys (PK, FK, UK), and one relationship per foreign key. Sorted, so it can be committed
 * and compared.
 */
export async function generateErd(client: pg.Client, schema = 'public'): Promise<string> {
  const columns = (
    await client.query<ColumnRow>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              ARRAY(SELECT DISTINCT CASE k.contype WHEN 'p' THEN 'PK' WHEN 'f' THEN 'FK' ELSE 'UK' END
                      FROM pg_constraint k
                     WHERE k.conrelid = c.oid AND k.contype IN ('p', 'f', 'u') AND a.attnum = ANY (k.conkey)
                     ORDER BY 1 DESC) AS keys
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY ($2))
        ORDER BY c.relname, a.attnum`,
      [schema, BOOKKEEPING_TABLES],
    )
  ).rows;
  const foreignKeys = (
    await client.query<ForeignKeyRow>(
      `SELECT child.relname AS child, parent.relname AS parent,
              ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(attnum, position)
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.position)::text[] AS columns,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) AND NOT a.attnotnull) AS nullable,
              EXISTS (SELECT 1 FROM pg_constraint u WHERE u.conrelid = k.conrelid AND u.contype IN ('p', 'u') AND u.conkey <@ k.conkey) AS unique
         FROM pg_constraint k
         JOIN pg_class child ON child.oid = k.conrelid
         JOIN pg_class parent ON parent.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = child.relnamespace
        WHERE n.nspname = $1 AND k.contype = 'f'
        ORDER BY child.relname, k.conname`,
      [schema],
    )
  ).rows;

  const lines = ['erDiagram'];
  for (const key of foreignKeys) {
    // Mermaid: ||--o{ is "one parent, zero or more children"; |o when the key may be NULL.
    const parentSide = key.nullable ? '|o' : '||';
    const childSide = key.unique ? 'o|' : 'o{';
    lines.push(`    ${key.parent} ${parentSide}--${childSide} ${key.child} : "${key.columns.join(', ')}"`);
  }
  let current: string | undefined;
  for (const column of columns) {
    if (column.table !== current) {
      if (current !== undefined) lines.push('    }');
      lines.push(`    ${column.table} {`);
      current = column.table;
    }
    const keys = column.keys.length > 0 ? ` ${column.keys.join(', ')}` : '';
    lines.push(`        ${mermaidType(column.type)} ${column.column}${keys}${column.not_null ? '' : ' "nullable"'}`);
  }
  if (current !== undefined) lines.push('    }');
  return `\`\`\`mermaid\n${lines.join('\n')}\n\`\`\`\n`;
}

/** Mermaid types are one word (letters, digits, _ - ( ) [ ]): shorten PostgreSQL's names to fit. */
function mermaidType(type: string): string {
  return type
    .replace('character varying', 'varchar')
    .replace('timestamp with time zone', 'timestamptz')
    .replace('timestamp without time zone', 'timestamp')
    .replace(/,/g, '_')
    .replace(/\s+/g, '_');
}

/** docs/erd.md: the diagram with a line on how it is made. */
export function erdDocument(diagram: string): string {
  return `# Entity-relationship diagram\n\nThe tables at head, generated from the live schema by \`npm run erd:generate\` (a test fails when it is stale).\n\n${diagram}`;
}
