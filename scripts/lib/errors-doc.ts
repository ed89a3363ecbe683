/**
 * docs/errors.md is generated from ERROR_CODES in src/errors.ts, so the table cannot drift from the
 * codes the CLI raises (test/docs/errors-doc.test.ts fails when the committed file is stale).
 *   npm run docs:errors
 */
import { ERROR_CODES } from '../../src/errors.js';

export const ERRORS_DOC_FILE = 'docs/errors.md';

const INTRO = `Every error a user can cause is typed: one line \`error CODE: what happened\` and one line
\`hint: what to do\` on stderr, never a stack trace (with \`--json\`, also
\`{"ok": false, "error": {"code", "message", "hint", …}}\` on stdout). Passwords are masked in every
message. Exit status: **2** for a usage error, **1** for a database or revision failure, **130** when
Ctrl-C (or SIGTERM) stopped a non-transactional revision. Each of
these is tested through the real CLI in a child process (\`test/cli/bad-input.test.ts\`,
\`test/config/\`, \`test/cli/embedded-lifecycle.test.ts\`).`;

const EXAMPLES = `Interrupting a command (Ctrl-C) on the embedded server stops the server before exiting with
status 130 (SIGTERM: 143, SIGHUP: 129); a transactional revision that was running is rolled back,
what a non-transactional one completed stays, and the next run recovers it (\`E_INTERRUPTED\`).

Three real examples (PostgreSQL 15 through \`DATABASE_URL\`):

\`\`\`console
$ DATABASE_URL='postgres://app:s3cret@db.internal/' npx play-later-db current; echo "exit $?"
error E_URL_MALFORMED: Malformed DATABASE_URL: "postgres://app:***@db.internal/" names no database (the path after host:port).
hint: Use the libpq form postgresql://user@host:5432/database, with the password after the user name (user:password@host) and special characters percent-encoded.
exit 2

$ npx play-later-db upgrade 01; echo "exit $?"
error E_REVISION_AMBIGUOUS: Revision "01" is ambiguous: it starts 010_drop_duplicate_igdb_id_index, 011_hash_stored_session_ids, 012_index_collection_by_game.
hint: Give more characters of the id.
exit 2

$ npx play-later-db --revisions-dir test/fixtures/revisions-failing upgrade head; echo "exit $?"
Running upgrade 001_ok, Works (14 ms)
error E_REVISION_FAILED: Revision 002_breaks failed (upgrade): relation "fail_no_such_table" does not exist
hint: The database stays at the revision before 002_breaks; nothing of 002_breaks was kept. Fix the revision (or the data it trips on) and run again.
exit 1
\`\`\``;

export function errorsDocument(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, entry]) => `| \`${code}\` | ${entry.exit} | ${entry.when} | ${entry.hint} |`);
  return [
    '# Errors',
    '',
    '<!-- generated from src/errors.ts by npm run docs:errors; do not edit -->',
    '',
    INTRO,
    '',
    '| code | exit | when | default hint |',
    '|---|---|---|---|',
    ...rows,
    '',
    EXAMPLES,
    '',
  ].join('\n');
}
