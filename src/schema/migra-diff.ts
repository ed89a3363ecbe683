/**
 * The structural difference between two databases, as SQL statements, from @pgkit/migra (a
 * TypeScript port of migra): tables, columns (types, defaults, NOT NULL), constraints, indexes,
 * views, functions, triggers, sequences, enums, extensions. It does not compare comments
 * (comment-diff.ts does).
 */
export interface StructuralChange {
  /** From `fromUrl`'s schema to `toUrl`'s. */
  up: string[];
  /** Back from `toUrl`'s schema to `fromUrl`'s. */
  down: string[];
}

/**
 * Both directions from one inspection of each database. One client per database, never two: the
 * pg-promise under @pgkit/client prints a warning with stack frames on stderr when a process
 * opens a second client for the same connection string.
 */
export async function migraChange(fromUrl: string, toUrl: string, schema = 'public'): Promise<StructuralChange> {
  const [{ Migration, PostgreSQL }, { createClient }] = await Promise.all([import('@pgkit/migra'), import('@pgkit/client')]);
  const from = createClient(fromUrl);
  const to = createClient(toUrl);
  try {
    const [fromSchema, toSchema] = await Promise.all([PostgreSQL.create(from), PostgreSQL.create(to)]);
    fromSchema.one_schema(schema);
    toSchema.one_schema(schema);
    const statements = async (source: typeof fromSchema, target: typeof toSchema): Promise<string[]> => {
      const migration = await Migration.create(source, target, { schema });
      // Drops are allowed here: the revision writer flags each one for review instead.
      migration.set_safety(false);
      migration.add_all_changes();
      return [...migration.statements].map(tidyStatement).filter((statement) => statement.length > 0);
    };
    return { up: await statements(fromSchema, toSchema), down: await statements(toSchema, fromSchema) };
  } finally {
    await Promise.all([from.end(), to.end()]);
  }
}

/** Trims whitespace and the final semicolon; a SET for the function bodies stays in the revision's transaction. */
function tidyStatement(statement: string): string {
  const tidy = statement.trim().replace(/;\s*$/, '').trim();
  return /^set\s+check_function_bodies\s*=\s*off$/i.test(tidy) ? 'SET LOCAL check_function_bodies = off' : tidy;
}
