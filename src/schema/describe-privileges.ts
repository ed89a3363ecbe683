import type pg from 'pg';
import { DEFAULT_ROLE_NAMES, roleNames, type RoleNames } from '../security/roles.js';
import { quoteIdent } from './describe-schema.js';

/**
 * The privilege and row-security part of a schema description: who owns each object, the grants on
 * it, row-level security and its policies, the views' options (security_invoker) and the default
 * privileges, as SQL text sorted by name. A hand-made GRANT, policy or owner change shows as a
 * changed line. The configured role names are written as the default ones (src/security/roles.ts),
 * so databases that name their roles differently describe the same. Objects that still have their
 * implicit privileges (a NULL ACL) and are owned by the database's owner describe as nothing, so a
 * schema from before revision 013 describes as it always did.
 */
export async function describePrivileges(client: pg.Client, schema: string, skipTables: readonly string[], roles: Partial<RoleNames> = {}): Promise<string[]> {
  const name = canonicalRoleName(roles);
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> => (await client.query<R>(text, values)).rows;
  const blocks: string[] = [];

  const relations = await q<{ name: string; kind: string; owner: string; database_owner: boolean; rls: boolean; force_rls: boolean; options: string[] | null; oid: number }>(
    `SELECT c.oid, c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
            c.relowner = (SELECT datdba FROM pg_database WHERE datname = current_database()) AS database_owner,
            c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls,
            CASE WHEN c.relkind IN ('v', 'm') THEN c.reloptions END AS options
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT (c.relname = ANY($2))
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
      ORDER BY c.relname`,
    [schema, skipTables],
  );
  const relationGrants = await q<{ name: string; grantee: string; privileges: string; grantable: boolean }>(
    `SELECT c.relname AS name, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
            string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges, a.is_grantable AS grantable
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT (c.relname = ANY($2)) AND a.grantee <> c.relowner
      GROUP BY 1, 2, 4 ORDER BY 1, 2, 4`,
    [schema, skipTables],
  );
  const policies = await q<{ table: string; name: string; permissive: boolean; command: string; roles: string[]; using: string | null; check: string | null }>(
    `SELECT c.relname AS table, p.polname AS name, p.polpermissive AS permissive, p.polcmd AS command,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r ORDER BY 1) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY 1, 2`,
    [schema],
  );
  for (const relation of relations) {
    const kind = relationKind(relation.kind);
    const lines: string[] = [];
    if (!relation.database_owner) lines.push(`ALTER ${kind} ${quoteIdent(relation.name)} OWNER TO ${name(relation.owner)};`);
    for (const grant of relationGrants.filter((g) => g.name === relation.name)) {
      lines.push(`GRANT ${grant.privileges} ON ${kind === 'SEQUENCE' ? 'SEQUENCE' : 'TABLE'} ${quoteIdent(relation.name)} TO ${name(grant.grantee)}${grant.grantable ? ' WITH GRANT OPTION' : ''};`);
    }
    if (relation.options) lines.push(`ALTER ${kind} ${quoteIdent(relation.name)} SET (${[...relation.options].sort().join(', ')});`);
    if (relation.rls) lines.push(`ALTER TABLE ${quoteIdent(relation.name)} ENABLE ROW LEVEL SECURITY;`);
    if (relation.force_rls) lines.push(`ALTER TABLE ${quoteIdent(relation.name)} FORCE ROW LEVEL SECURITY;`);
    for (const policy of policies.filter((p) => p.table === relation.name)) {
      let line = `CREATE POLICY ${quoteIdent(policy.name)} ON ${quoteIdent(policy.table)} AS ${policy.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${POLICY_COMMANDS[policy.command] ?? policy.command}`;
      line += ` TO ${policy.roles.map(name).sort().join(', ')}`;
      if (policy.using !== null) line += ` USING (${policy.using})`;
      if (policy.check !== null) line += ` WITH CHECK (${policy.check})`;
      lines.push(`${line};`);
    }
    if (lines.length > 0) blocks.push(lines.join('\n'));
  }

  const functions = await q<{ signature: string; owner: string; database_owner: boolean; grantee: string | null; grantable: boolean | null }>(
    `SELECT format('%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid)) AS signature, pg_get_userbyid(p.proowner) AS owner,
            p.proowner = (SELECT datdba FROM pg_database WHERE datname = current_database()) AS database_owner,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee, a.is_grantable AS grantable
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       -- an ACL holding exactly the implicit privileges (EXECUTE to PUBLIC) describes as a NULL one
       LEFT JOIN LATERAL aclexplode(CASE WHEN p.proacl @> acldefault('f', p.proowner) AND p.proacl <@ acldefault('f', p.proowner) THEN NULL ELSE p.proacl END) a
              ON a.grantee <> p.proowner
      WHERE n.nspname = $1 AND p.prokind IN ('f', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1, 4`,
    [schema],
  );
  const byFunction = new Map<string, string[]>();
  for (const fn of functions) {
    const lines = byFunction.get(fn.signature) ?? [];
    if (lines.length === 0 && !fn.database_owner) lines.push(`ALTER FUNCTION ${fn.signature} OWNER TO ${name(fn.owner)};`);
    if (fn.grantee !== null) lines.push(`GRANT EXECUTE ON FUNCTION ${fn.signature} TO ${name(fn.grantee)}${fn.grantable ? ' WITH GRANT OPTION' : ''};`);
    byFunction.set(fn.signature, lines);
  }
  for (const lines of byFunction.values()) if (lines.length > 0) blocks.push(lines.join('\n'));

  const defaults = await q<{ role: string; in_schema: boolean; kind: string; grantee: string; privileges: string }>(
    `SELECT pg_get_userbyid(d.defaclrole) AS role, d.defaclnamespace <> 0 AS in_schema, d.defaclobjtype AS kind,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
            string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges
       FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a
      WHERE d.defaclnamespace = 0 OR n.nspname = $1
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    [schema],
  );
  const defaultLines = defaults.map(
    (d) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${name(d.role)}${d.in_schema ? ` IN SCHEMA ${quoteIdent(schema)}` : ''} GRANT ${d.privileges} ON ${DEFAULT_ACL_KINDS[d.kind] ?? d.kind} TO ${name(d.grantee)};`,
  );
  if (defaultLines.length > 0) blocks.push(defaultLines.sort().join('\n'));
  return blocks;
}

/** Writes a configured role name as its default name; any other role as itself. */
export function canonicalRoleName(settings: Partial<RoleNames>): (role: string) => string {
  const roles = roleNames(settings);
  const canonical = new Map((Object.keys(roles) as Array<keyof RoleNames>).map((key) => [roles[key], DEFAULT_ROLE_NAMES[key]]));
  return (role) => (role === 'PUBLIC' ? role : quoteIdent(canonical.get(role) ?? role));
}

function relationKind(relkind: string): string {
  return { v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE' }[relkind] ?? 'TABLE';
}

const POLICY_COMMANDS: Record<string, string> = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };
const DEFAULT_ACL_KINDS: Record<string, string> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };
