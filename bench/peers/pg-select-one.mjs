// The floor of any Node.js migration tool's no-op: load pg, connect, read one row, close. Nothing
// a tool on node-postgres does before it knows that nothing is pending can cost less.
// Usage: node pg-select-one.mjs with DATABASE_URL set.
import pg from 'pg';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
try {
  await client.query('SELECT 1');
} finally {
  await client.end();
}
