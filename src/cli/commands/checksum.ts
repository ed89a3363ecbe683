import path from 'node:path';
import type { CommandContext } from '../command-context.js';

/**
 * Records the current checksum of applied revisions whose files were edited on purpose (a comment,
 * a formatting change): the next upgrade accepts them. The old checksum stays in the history.
 */
export async function checksumAcceptCommand(context: CommandContext, references: readonly string[]): Promise<void> {
  const accepted = await context.withMigrator((migrator) => migrator.acceptChecksums(references));
  context.output.result(accepted.map((a) => `Accepted the current checksum of ${a.revision} (${path.relative(context.io.cwd, a.file)}): ${a.checksum}.`).join('\n'), {
    ok: true,
    accepted,
  });
}
