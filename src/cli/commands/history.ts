import path from 'node:path';
import { PlayLaterError } from '../../errors.js';
import type { Revision } from '../../runner/revision.js';
import { singleHead } from '../../runner/plan.js';
import type { RevisionGraph } from '../../runner/revision-graph.js';
import type { CommandContext } from '../command-context.js';

/** The revisions, newest first, optionally limited to a range a:b (either side may be empty). */
export async function historyCommand(context: CommandContext, flags: { verbose?: boolean; rev?: string }): Promise<void> {
  const graph = await context.graph();
  const revisions = selectRange(graph, flags.rev);
  const text = revisions.map((r) => formatRevision(graph, r, Boolean(flags.verbose), context.io.cwd)).join(flags.verbose ? '\n\n' : '\n');
  context.output.result(text, {
    ok: true,
    revisions: revisions.map((r) => ({
      revision: r.id,
      downRevision: r.parents,
      dependsOn: r.dependsOn,
      message: r.message,
      createDate: r.createDate.toISOString(),
      file: path.relative(context.io.cwd, r.file),
      head: graph.heads.includes(r.id),
      transactional: r.transactional,
    })),
  });
}

/** One revision as history/heads/current print it; `cwd` makes the file's path relative. */
export function formatRevision(graph: RevisionGraph, revision: Revision, verbose: boolean, cwd: string): string {
  const parents = revision.parents.length > 0 ? revision.parents.join(', ') : '<base>';
  const flags = [graph.heads.includes(revision.id) ? 'head' : '', revision.parents.length > 1 ? 'mergepoint' : '']
    .filter(Boolean)
    .map((flag) => ` (${flag})`)
    .join('');
  const line = `${parents} -> ${revision.id}${flags}, ${revision.message}`;
  if (!verbose) return line;
  return [
    `Rev: ${revision.id}${flags}`,
    `Parent: ${parents}`,
    ...(revision.dependsOn.length > 0 ? [`Depends on: ${revision.dependsOn.join(', ')}`] : []),
    `Create Date: ${revision.createDate.toISOString()}`,
    `Path: ${path.relative(cwd, revision.file)}`,
    ...(revision.transactional ? [] : ['Transactional: no (runs outside a transaction)']),
    '',
    `    ${revision.message}`,
  ].join('\n');
}

function selectRange(graph: RevisionGraph, range: string | undefined): Revision[] {
  const newestFirst = [...graph.order].reverse();
  if (!range) return newestFirst;
  const match = /^([^:]*):([^:]*)$/.exec(range);
  if (!match) {
    throw new PlayLaterError('E_USAGE', `-r "${range}" is not a range.`, { hint: 'Use -r from:to, e.g. -r 002:004, -r 003: or -r :head.' });
  }
  const [, from, to] = match;
  const lower = from && from !== 'base' ? graph.descendants(graph.resolve(from).id) : undefined;
  const upper = to && to !== 'heads' ? graph.ancestors(to === 'head' ? singleHead(graph) : graph.resolve(to).id) : undefined;
  return newestFirst.filter((r) => (!lower || lower.has(r.id)) && (!upper || upper.has(r.id)));
}
