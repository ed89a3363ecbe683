import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { BOOKKEEPING_TABLES } from './describe-schema.js';
import { GENERATE_COMMAND } from './schema-file.js';

/** Where the generated types are committed; the repositories import them from here. */
export const DATABASE_TYPES_FILE = 'src/repositories/database.ts';

const HEADER = `// Generated from the schema at head by \`${GENERATE_COMMAND}\`; \`check\` and a test fail when it is stale.\n`;

/**
 * The Kysely types of a live database (kysely-codegen, in process), without the runner's
 * bookkeeping tables. kysely-codegen is a dev dependency: this runs from scripts and tests only.
 * It introspects with parallel queries, hence a small pool of its own rather than one client.
 */
export async function generateDatabaseTypes(url: string): Promise<string> {
  const codegen = await import('kysely-codegen');
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
  try {
    const generated = await codegen.generate({
      // kysely 0.28 ships separate ESM and CommonJS declarations; kysely-codegen's (CommonJS) see the
      // other copy of the same class, whose private fields make the two types incompatible.
      db: db as unknown as Parameters<typeof codegen.generate>[0]['db'],
      dialect: new codegen.PostgresDialect({ dateParser: 'string' }), // as src/db/date-values.ts parses DATE
      excludePattern: `(${BOOKKEEPING_TABLES.join('|')})`,
      outFile: null,
      typeOnlyImports: true,
    });
    return HEADER + generated;
  } finally {
    await db.destroy();
  }
}
