import type pg from 'pg';
import { BOOKKEEPING_TABLES, quoteLiteral } from './describe-schema.js';

/** One commentable object: how COMMENT ON names it, and the relation or function it belongs to. */
export interface CommentedObject {
  /** e.g. `COLUMN games.title`, `FUNCTION refresh_user_stats(character varying)` */
  target: string;
  /** The table, view or function whose drop and re-creation loses this comment. */
  owner: string;
  comment: string | null;
}

/**
 * Every comment of a schema, keyed by its COMMENT ON target. Comments are read here because the
 * diff library (migra) does not compare them; Alembic's autogenerate does, and so must we.
 */
export async function readComments(client: pg.Client, schema = 'public'): Promise<Map<string, CommentedObject>> {
  const { rows } = await client.query<CommentedObject>(
    `WITH rel AS (
       SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'i', 'S', 'f') AND NOT (c.relname = ANY($2))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e'))
     SELECT format('%s %I', CASE relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'i' THEN 'INDEX'
                                         WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, relname) AS target,
            relname AS owner, obj_description(oid, 'pg_class') AS comment
       FROM rel
     UNION ALL
     SELECT format('COLUMN %I.%I', rel.relname, a.attname), rel.relname, col_description(rel.oid, a.attnum)
       FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid
      WHERE rel.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
     UNION ALL
     SELECT format('CONSTRAINT %I ON %I', k.conname, rel.relname), rel.relname, obj_description(k.oid, 'pg_constraint')
       FROM rel JOIN pg_constraint k ON k.conrelid = rel.oid WHERE k.contype <> 'n'
     UNION ALL
     SELECT format('TRIGGER %I ON %I', t.tgname, rel.relname), rel.relname, obj_description(t.oid, 'pg_trigger')
       FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid WHERE NOT t.tgisinternal
     UNION ALL
     SELECT format('%s %I(%s)', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.proname, pg_get_function_identity_arguments(p.oid)),
            p.proname, obj_description(p.oid, 'pg_proc')
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.prokind IN ('f', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    [schema, BOOKKEEPING_TABLES],
  );
  return new Map(rows.map((row) => [row.target, row]));
}

/**
 * COMMENT ON statements that give the objects of `to` their comments, starting from `from`: a
 * changed comment, a comment on a new object, and the comments of objects whose owner the
 * structural statements drop and re-create (`recreatedOwners`), which would otherwise be lost.
 * Objects that exist only in `from` are being dropped: their comments go with them.
 */
export function commentStatements(
  from: ReadonlyMap<string, CommentedObject>,
  to: ReadonlyMap<string, CommentedObject>,
  recreatedOwners: ReadonlySet<string>,
): string[] {
  const statements: string[] = [];
  for (const [target, object] of to) {
    const before = from.get(target);
    const recreated = recreatedOwners.has(object.owner);
    const changed = before ? before.comment !== object.comment : object.comment !== null;
    if (changed || (recreated && object.comment !== null)) {
      statements.push(`COMMENT ON ${target} IS ${object.comment === null ? 'NULL' : quoteLiteral(object.comment)}`);
    }
  }
  return statements;
}
