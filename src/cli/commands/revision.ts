import path from 'node:path';
import { PlayLaterError } from '../../errors.js';
import { nextRevisionId, writeRevisionFile } from '../../runner/revision-writer.js';
import type { CommandContext } from '../command-context.js';

export interface RevisionFlags {
  message?: string;
  parents?: string;
}

/** Writes a new revision file whose parent is the current head (or --parents a,b for a merge). */
export async function revisionCommand(context: CommandContext, flags: RevisionFlags): Promise<void> {
  if (!flags.message?.trim()) {
    throw new PlayLaterError('E_USAGE', 'A revision needs a message.', { hint: 'Use `play-later-db revision -m "what it changes"`.' });
  }
  const graph = await context.graph();
  const parents = flags.parents ? flags.parents.split(',').map((p) => graph.resolve(p.trim()).id) : [...graph.heads];
  if (!flags.parents && parents.length > 1) {
    throw new PlayLaterError('E_MULTIPLE_HEADS', `There are several heads: ${parents.join(', ')}.`, {
      hint: 'Pass --parents with the head(s) the new revision follows; naming several writes a merge revision.',
    });
  }
  const id = nextRevisionId(graph, flags.message);
  const file = writeRevisionFile(context.config.revisionsDir, context.config.fileTemplate, {
    id,
    message: flags.message.trim(),
    parents,
    createDate: new Date(),
  }, context.config.timezone);
  context.output.result(`Generated ${path.relative(process.cwd(), file)} (revision ${id}, parent ${parents.join(', ') || '<base>'}).`, {
    ok: true,
    revision: id,
    parents,
    file,
  });
}
