import path from 'node:path';
import { PlayLaterError } from '../../errors.js';
import { inLockedTransaction } from '../../runner/locked-transaction.js';
import { ensureHistoryTable, recordHistory, runnerHost } from '../../runner/revision-history.js';
import { ensureVersionTable, readHeads } from '../../runner/version-table.js';
import type { CommandContext } from '../command-context.js';

/**
 * Records the current checksum of applied revisions whose files were edited on purpose (a comment,
 * a formatting change): the next upgrade accepts them. The old checksum stays in the history.
 */
export async function checksumAcceptCommand(context: CommandContext, references: readonly string[]): Promise<void> {
  const graph = await context.graph();
  const revisions = references.map((reference) => graph.resolve(reference));
  await context.withDatabase(async ({ client }) => {
    await inLockedTransaction(client, context.config, async () => {
      await ensureVersionTable(client);
      await ensureHistoryTable(client);
      const applied = graph.appliedFrom(await readHeads(client));
      const notApplied = revisions.filter((revision) => !applied.has(revision.id));
      if (notApplied.length > 0) {
        throw new PlayLaterError('E_REVISION_RANGE', `Not applied, so there is no checksum to accept: ${notApplied.map((r) => r.id).join(', ')}.`, {
          hint: 'Only the files of applied revisions are checked; see `play-later-db current`.',
        });
      }
      for (const revision of revisions) await recordHistory(client, { revision, direction: 'accept', host: runnerHost(), durationMs: 0 });
    });
  });
  context.output.result(
    revisions.map((r) => `Accepted the current checksum of ${r.id} (${path.relative(process.cwd(), r.file)}): ${r.checksum}.`).join('\n'),
    { ok: true, accepted: revisions.map((r) => ({ revision: r.id, file: r.file, checksum: r.checksum })) },
  );
}
