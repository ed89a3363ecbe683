// What a Kysely user runs to migrate: Migrator over the same revisions' SQL (one migration per
// revision, its statements in order), from a plain Node process. Usage: node kysely-migrate.mjs up|down DIR
// with DATABASE_URL set. DIR holds <revision>.json files: {"up": [sql…], "down": [sql…]}.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, NO_MIGRATIONS, PostgresDialect, sql } from 'kysely'; // kysely 0.28: the Migrator is in the main entry
import pg from 'pg';

const [direction, dir] = process.argv.slice(2);
const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }) }) });
const run = (statements) => async (trx) => {
  for (const statement of statements) await sql.raw(statement).execute(trx);
};
const migrations = {};
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
  const { up, down } = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  migrations[file.replace(/\.json$/, '')] = { up: run(up), down: run(down) };
}
const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
const { error } = direction === 'down' ? await migrator.migrateTo(NO_MIGRATIONS) : await migrator.migrateToLatest();
await db.destroy();
if (error) {
  console.error(error);
  process.exitCode = 1;
}
