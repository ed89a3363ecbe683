/**
 * `npx tsx scripts/dump-schema.ts --describe URL --out FILE`: writes the bare description of an
 * existing database (scripts/seed-alembic/regenerate.sh uses it for the Alembic-built fixture).
 * schema/schema.sql and the other generated files are refreshed by `play-later-db generate`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, disconnect } from '../src/db/connect.js';
import { describeSchema } from '../src/schema/describe-schema.js';
import { GENERATE_COMMAND } from '../src/schema/schema-file.js';

const { values } = parseArgs({ options: { describe: { type: 'string' }, out: { type: 'string' } } });
if (values.describe === undefined || !values.out) {
  console.error(`usage: dump-schema.ts --describe URL --out FILE (schema/schema.sql: run \`${GENERATE_COMMAND}\`)`);
  process.exit(2);
}
try {
  const client = await connect(values.describe);
  try {
    writeFileSync(path.resolve(values.out), await describeSchema(client));
  } finally {
    await disconnect(client);
  }
  console.error(`Wrote ${values.out}`);
} catch (error) {
  console.error(`dump-schema failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
