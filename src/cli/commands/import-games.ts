import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PlayLaterError } from '../../errors.js';
import { importGamesCsv, strictTextDecoder } from '../../repositories/game-import.js';
import type { CommandContext } from '../command-context.js';
import { requireHead } from '../require-head.js';
import { plural } from '../../plural.js';

/** `import-games FILE`: bulk import of games from CSV (COPY), progress on stderr, all or nothing. */
export async function importGamesCommand(context: CommandContext, file: string, flags: { encoding?: string } = {}): Promise<void> {
  const hint = 'Give the path of a CSV file whose header names the columns (igdb_id,title,…).';
  const info = await stat(file).catch(() => {
    throw new PlayLaterError('E_USAGE', `Cannot read ${file}.`, { hint });
  });
  if (!info.isFile()) throw new PlayLaterError('E_USAGE', `${file} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, not a CSV file.`, { hint });
  const size = info.size;
  strictTextDecoder(flags.encoding ?? 'utf-8'); // an unknown encoding is a usage error before connecting
  const graph = await context.graph();
  await context.withDatabase(async ({ client, displayUrl }) => {
    await requireHead(client, graph);
    const started = performance.now();
    const result = await importGamesCsv(client, createReadStream(file), {
      progressEvery: 10_000,
      encoding: flags.encoding,
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
