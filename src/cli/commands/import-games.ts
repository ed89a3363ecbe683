import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PlayLaterError } from '../../errors.js';
import { importGamesCsv } from '../../repositories/game-import.js';
import type { CommandContext } from '../command-context.js';
import { requireHead } from '../require-head.js';
import { plural } from '../../plural.js';

/** `import-games FILE`: bulk import of games from CSV (COPY), progress on stderr, all or nothing. */
export async function importGamesCommand(context: CommandContext, file: string): Promise<void> {
  const size = await stat(file).then(
    (info) => info.size,
    () => {
      throw new PlayLaterError('E_USAGE', `Cannot read ${file}.`, { hint: 'Give the path of a CSV file whose header names the columns (igdb_id,title,…).' });
    },
  );
  const graph = await context.graph();
  await context.withDatabase(async ({ client, displayUrl }) => {
    await requireHead(client, graph);
    const started = performance.now();
    const result = await importGamesCsv(client, createReadStream(file), {
      progressEvery: 10_000,
      onProgress: ({ rows, bytes }) => context.output.info(`${rows} rows read (${size > 0 ? Math.round((bytes / size) * 100) : 100}%)`),
    });
    const ms = Math.round(performance.now() - started);
    context.output.result(`Imported ${plural(result.rows, 'row')} into ${displayUrl} in ${ms} ms: ${result.inserted} added, ${result.updated} updated.`, {
      ok: true,
      ...result,
      durationMs: ms,
    });
  });
}
