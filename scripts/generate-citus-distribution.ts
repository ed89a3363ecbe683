/**
 * `npm run citus:generate`: writes docs/citus-distribution.sql, the offline SQL that distributes
 * the schema over a Citus cluster, from the plan in src/schema/citus-distribution.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CITUS_DISTRIBUTION_FILE, renderCitusDistributionSql } from '../src/schema/citus-distribution.js';

writeFileSync(path.resolve(import.meta.dirname, '..', CITUS_DISTRIBUTION_FILE), renderCitusDistributionSql());
process.stderr.write(`wrote ${CITUS_DISTRIBUTION_FILE}\n`);
