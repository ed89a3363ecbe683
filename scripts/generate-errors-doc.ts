/** Writes docs/errors.md from the error codes of src/errors.ts:  npm run docs:errors */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ERRORS_DOC_FILE, errorsDocument } from './lib/errors-doc.js';

writeFileSync(path.join(import.meta.dirname, '..', ERRORS_DOC_FILE), errorsDocument());
process.stderr.write(`wrote ${ERRORS_DOC_FILE}\n`);
