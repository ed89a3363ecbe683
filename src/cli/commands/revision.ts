import path from 'node:path';
import { PlayLaterError, messageOf } from '../../errors.js';
import type { RevisionGraph } from '../../runner/revision-graph.js';
import { nextRevisionId, writeRevisionFile, type NewRevision } from '../../runner/revision-writer.js';
import { computeSchemaChange, type SchemaChange } from '../../schema/autogenerate.js';
import { declaredAndHead } from '../../schema/declared-and-head.js';
import { generatedFilesAtHead, hasGeneratedFiles, projectRoot, writeGeneratedFiles } from '../../schema/generated-files.js';
import { createdNames, renderRevisionBody, reviewFlag, stepStatements } from '../../schema/render-revision-body.js';
import { GENERATE_COMMAND } from '../../schema/schema-file.js';
import { withScratchServer, type ScratchServer } from '../../schema/scratch-databases.js';
import type { CommandContext } from '../command-context.js';

export interface RevisionFlags {
  message?: string;
  parents?: string;
  autogenerate?: boolean;
  scratchUrl?: string;
}

/**
 * Writes a new revision file whose parent is the current head (or --parents a,b for a merge).
 * With --autogenerate its up and down are the difference between the revisions' head and the
 * declared schema (when there is none, no file is written), and the generated files are refreshed
 * for the new head.
 */
export async function revisionCommand(context: CommandContext, flags: RevisionFlags): Promise<void> {
  if (!flags.message?.trim()) {
    throw new PlayLaterError('E_USAGE', 'A revision needs a message.', { hint: 'Use `play-later-db revision -m "what it changes"`.' });
  }
  const message = flags.message.trim();
  const graph = await context.graph();
  const parents = flags.parents ? flags.parents.split(',').map((p) => graph.resolve(p.trim()).id) : [...graph.heads];
  if (!flags.parents && parents.length > 1) {
    throw new PlayLaterError('E_MULTIPLE_HEADS', `There are several heads: ${parents.join(', ')}.`, {
      hint: 'Pass --parents with the head(s) the new revision follows; naming several writes a merge revision.',
    });
  }
  const revision: NewRevision = { id: nextRevisionId(graph, message), message, parents, createDate: new Date() };
  if (!flags.autogenerate) {
    reportWritten(context, revision, writeRevision(context, revision));
    return;
  }
  await withScratchServer(flags.scratchUrl, async (server) => {
    const { output } = context;
    const pair = await output.phase("declared schema and revisions' head built on a scratch server", () =>
      declaredAndHead(server, { schemaDir: context.config.schemaDir, graph, settings: context.config }),
    );
    const change = await output.phase('up and down generated (migra) and replayed', () => computeSchemaChange(pair));
    if (!change) {
      context.output.result("No changes: the declared schema matches the revisions' head. No revision written.", { ok: true, revision: null, file: null });
      return;
    }
    const flagged = reviewGeneratedChange(context, change);
    const file = writeRevision(context, {
      ...revision,
      transactional: change.transactional,
      upBody: renderRevisionBody(change.up, change.transactional),
      downBody: renderRevisionBody(change.down, change.transactional),
    });
    const refreshed = change.unverified.length === 0 ? await refreshGeneratedFiles(context, server) : [];
    reportWritten(context, revision, file, { flagged, verified: change.unverified.length === 0, transactional: change.transactional, refreshed });
  });
}

function writeRevision(context: CommandContext, revision: NewRevision): string {
  return writeRevisionFile(context.config.revisionsDir, context.config.fileTemplate, revision, context.config.timezone);
}

function reportWritten(context: CommandContext, revision: NewRevision, file: string, details: Record<string, unknown> = {}): void {
  const parents = revision.parents.join(', ') || '<base>';
  context.output.result(`Generated ${path.relative(context.io.cwd, file)} (revision ${revision.id}, parent ${parents}).`, {
    ok: true,
    revision: revision.id,
    parents: revision.parents,
    file,
    ...details,
  });
}

/** Warns about what a reviewer must look at; throws when autogenerate cannot express the change. */
function reviewGeneratedChange(context: CommandContext, change: SchemaChange): string[] {
  const { output } = context;
  if (change.up.length === 0 && change.down.length === 0) {
    throw new PlayLaterError('E_DRIFT', `The declared schema differs from the revisions' head in a way autogenerate cannot express:\n${change.unverified.join('\n')}`, {
      hint: 'Write this revision by hand (`play-later-db revision -m "…"`), then check that `play-later-db check` passes.',
    });
  }
  const flagged = (['up', 'down'] as const).flatMap((direction) => {
    const statements = stepStatements(change[direction]);
    const recreated = createdNames(statements);
    return statements.flatMap((statement) => {
      const flag = reviewFlag(statement, recreated);
      return flag?.needsReview ? [`${direction}: ${statement.split('\n')[0]} (${flag.text.split(':')[0]})`] : [];
    });
  });
  for (const line of flagged) output.log('warn', `review ${line}`);
  for (const problem of change.unverified) {
    output.log('warn', `the generated statements do not reproduce the schema exactly; edit the revision, then run \`${GENERATE_COMMAND}\`:\n${problem}`);
  }
  return flagged;
}

/**
 * The generated files the project has (schema/schema.sql, the types, the ERD) for the new head,
 * built through the revision just written.
 */
async function refreshGeneratedFiles(context: CommandContext, server: ScratchServer): Promise<string[]> {
  const { config, output } = context;
  const root = projectRoot(config.revisionsDir);
  if (!hasGeneratedFiles(root)) return [];
  let graph: RevisionGraph;
  try {
    // Loaded again, not context.graph() (loaded once per command, before the new file existed).
    const { loadRevisionGraph } = await import('../../runner/migrator.js');
    graph = await loadRevisionGraph(config.revisionsDir);
    const written = writeGeneratedFiles(root, await generatedFilesAtHead(server, { graph, settings: config }, root), true);
    if (written.length > 0) output.log('info', `Refreshed ${written.join(', ')} for the new head.`);
    return written;
  } catch (error) {
    output.log('warn', `the generated files were not refreshed (${messageOf(error)}); fix the revision, then run \`${GENERATE_COMMAND}\`.`);
    return [];
  }
}

/**
 * `merge [revisions…]`: a revision whose parents are the given revisions (default: every head),
 * with nothing to run, so the graph has one head again (Alembic's `merge`).
 */
export async function mergeCommand(context: CommandContext, revisions: readonly string[], flags: { message?: string }): Promise<void> {
  const graph = await context.graph();
  const parents = revisions.length > 0 ? revisions.map((reference) => graph.resolve(reference).id) : [...graph.heads];
  if (new Set(parents).size < 2) {
    throw new PlayLaterError('E_USAGE', `Nothing to merge: ${parents.length === 0 ? 'there are no revisions' : `${parents[0]} is the only ${revisions.length > 0 ? 'revision given' : 'head'}`}.`, {
      hint: 'A merge joins two or more heads; play-later-db heads lists them.',
    });
  }
  const message = flags.message?.trim() || `Merge ${parents.join(' and ')}`;
  const id = nextRevisionId(graph, flags.message?.trim() || 'merge');
  const file = writeRevisionFile(context.config.revisionsDir, context.config.fileTemplate, { id, message, parents, createDate: new Date() }, context.config.timezone);
  context.output.result(`Generated ${path.relative(context.io.cwd, file)} (merge revision ${id} of ${parents.join(', ')}).`, { ok: true, revision: id, parents, file });
}
