/**
 * The structural difference between two databases, as SQL statements, from @pgkit/migra (a
 * TypeScript port of migra): tables, columns (types, defaults, NOT NULL), constraints, indexes,
 * views, functions, triggers, sequences, enums, extensions. It does not compare comments
 * (comment-diff.ts does).
 */
export async function migraStatements(fromUrl: string, toUrl: string, schema = 'public'): Promise<string[]> {
  const [{ Migration }, { createClient }] = await Promise.all([import('@pgkit/migra'), import('@pgkit/client')]);
  const from = createClient(fromUrl);
  const to = createClient(toUrl);
  try {
    const migration = await Migration.create(from, to, { schema });
    // Drops are allowed here: the revision writer flags each one for review instead.
    migration.set_safety(false);
    migration.add_all_changes();
    return [...migration.statements].map(tidyStatement).filter((statement) => statement.length > 0);
  } finally {
    await Promise.all([from.end(), to.end()]);
  }
}

/** Trims whitespace and the final semicolon; a SET for the function bodies stays in the revision's transaction. */
function tidyStatement(statement: string): string {
  const tidy = statement.trim().replace(/;\s*$/, '').trim();
  return /^set\s+check_function_bodies\s*=\s*off$/i.test(tidy) ? 'SET LOCAL check_function_bodies = off' : tidy;
}
