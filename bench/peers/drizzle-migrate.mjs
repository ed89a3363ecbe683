// What a drizzle-orm user runs to migrate: its node-postgres migrator over the same revisions' SQL
// (one migration per revision, its statements split by drizzle's breakpoint marker), from a plain
// Node process. Usage: node drizzle-migrate.mjs up DIR with DATABASE_URL set. DIR holds what
// drizzle-kit writes: meta/_journal.json and <tag>.sql. drizzle's migrator only goes up.
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const [direction, dir] = process.argv.slice(2);
if (direction !== 'up') throw new Error('drizzle-orm has no down migrations');
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
try {
  await migrate(drizzle(client), { migrationsFolder: dir });
} finally {
  await client.end();
}
