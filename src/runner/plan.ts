import path from 'node:path';
import { PlayLaterError } from '../errors.js';
import { PLACEHOLDER_MARKER, type Revision } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { plural } from '../plural.js';

export type Direction = 'up' | 'down';

/**
 * Where a command wants the database: a function from the applied set to the desired applied set.
 * Relative targets (+N, -N) are resolved against the state seen when the command starts, so that a
 * runner that re-plans after waiting for another one still aims at the same place.
 */
export interface Target {
  direction: Direction;
  description: string;
  desired(applied: ReadonlySet<string>): Set<string>;
}

export interface PlannedStep {
  revision: Revision;
  direction: Direction;
}

/** Resolves an upgrade target: head, heads, +N, a full id or a unique prefix. */
export function resolveUpgradeTarget(graph: RevisionGraph, reference: string, applied: ReadonlySet<string>): Target {
  const relative = /^\+(\d+)$/.exec(reference);
  if (relative) {
    const count = Number(relative[1]);
    const pending = graph.order.filter((r) => !applied.has(r.id));
    if (count === 0 || count > pending.length) {
      throw new PlayLaterError('E_REVISION_RANGE', `Cannot upgrade ${reference}: ${plural(pending.length, 'revision is', 'revisions are')} pending.`, {
        hint: pending.length === 0 ? 'The database is already at head.' : `Use +1 … +${pending.length}, or head.`,
      });
    }
    const chosen = new Set(pending.slice(0, count).map((r) => r.id));
    return upgradeTo(graph, [...chosen], reference);
  }
  if (/^-\d+$/.test(reference)) {
    throw new PlayLaterError('E_REVISION_RANGE', `Cannot upgrade ${reference}: a negative step goes back.`, {
      hint: `Use \`play-later-db downgrade ${reference}\` to revert revisions, or upgrade +N / head to apply them.`,
    });
  }
  if (reference === 'heads') return upgradeTo(graph, graph.heads, 'heads');
  if (reference === 'head') return upgradeTo(graph, [singleHead(graph)], 'head');
  if (reference === 'base') {
    throw new PlayLaterError('E_REVISION_RANGE', 'Cannot upgrade to base.', { hint: 'Use `downgrade base` to remove every revision.' });
  }
  return upgradeTo(graph, [graph.resolve(reference).id], reference);
}

/** Resolves a downgrade target: base, -N, a full id or a unique prefix. */
export function resolveDowngradeTarget(graph: RevisionGraph, reference: string, applied: ReadonlySet<string>): Target {
  const relative = /^-(\d+)$/.exec(reference);
  if (relative) {
    const count = Number(relative[1]);
    const removable = graph.order.filter((r) => applied.has(r.id)).reverse();
    if (removable.length === 0) {
      throw new PlayLaterError('E_DOWNGRADE_AT_BASE', `Cannot downgrade ${reference}: the database is at base (no revision applied).`, {
        hint: 'Nothing to undo. Run `play-later-db current` to see where the database stands.',
      });
    }
    if (count === 0 || count > removable.length) {
      throw new PlayLaterError('E_REVISION_RANGE', `Cannot downgrade ${reference}: only ${plural(removable.length, 'revision is', 'revisions are')} applied.`, {
        hint: `Use -1 … -${removable.length}, or base.`,
      });
    }
    const removed = removable.slice(0, count).map((r) => r.id);
    return {
      direction: 'down',
      description: reference,
      desired: (now) => without(now, removed.flatMap((id) => [...graph.descendants(id)])),
    };
  }
  if (/^\+\d+$/.test(reference)) {
    throw new PlayLaterError('E_REVISION_RANGE', `Cannot downgrade ${reference}: a positive step goes forward.`, {
      hint: `Use \`play-later-db upgrade ${reference}\` to apply revisions, or downgrade -N / base to revert them.`,
    });
  }
  if (reference === 'base') return { direction: 'down', description: 'base', desired: () => new Set() };
  if (reference === 'head' || reference === 'heads') {
    throw new PlayLaterError('E_REVISION_RANGE', `Cannot downgrade to ${reference}.`, { hint: 'Use `upgrade` to move forward, or -N / an id / base to move back.' });
  }
  const revision = graph.resolve(reference);
  if (!applied.has(revision.id)) {
    throw new PlayLaterError('E_REVISION_RANGE', `Cannot downgrade to ${revision.id}: it is not applied.`, {
      hint: 'A downgrade target must be at or below the current revision; see `play-later-db current`.',
    });
  }
  return {
    direction: 'down',
    description: revision.id,
    desired: (now) => without(now, [...graph.descendants(revision.id)].filter((id) => id !== revision.id)),
  };
}

/** The steps from the applied set to the target, in the order they must run. */
export function planSteps(graph: RevisionGraph, applied: ReadonlySet<string>, target: Target): PlannedStep[] {
  const desired = target.desired(applied);
  if (target.direction === 'up') {
    const pending = graph.order.filter((r) => desired.has(r.id) && !applied.has(r.id));
    const unfinished = pending.filter((r) => r.placeholder);
    if (unfinished.length > 0) {
      const files = unfinished.map((r) => path.relative(process.cwd(), r.file));
      throw new PlayLaterError('E_REVISION_PLACEHOLDER', `Not upgrading: ${files.join(', ')} still ${unfinished.length === 1 ? 'holds' : 'hold'} the placeholder of \`revision -m\`.`, {
        hint: `Write the change in up() and its undo in down(), and delete the lines marked ${PLACEHOLDER_MARKER}; nothing was run.`,
        data: { revisions: unfinished.map((r) => r.id), files },
      });
    }
    return pending.map((revision) => ({ revision, direction: 'up' }));
  }
  return [...graph.order]
    .reverse()
    .filter((r) => applied.has(r.id) && !desired.has(r.id))
    .map((revision) => ({ revision, direction: 'down' }));
}

export function singleHead(graph: RevisionGraph): string {
  if (graph.heads.length === 1) return graph.heads[0]!;
  if (graph.heads.length === 0) {
    throw new PlayLaterError('E_REVISION_UNKNOWN', 'There are no revisions.', { hint: 'Create one with `play-later-db revision -m "message"`.' });
  }
  throw new PlayLaterError('E_MULTIPLE_HEADS', `There are several heads: ${graph.heads.join(', ')}.`, {
    hint: 'Upgrade to `heads` or to one id, or join the heads with a merge revision (`play-later-db merge -m "…"`).',
    data: { heads: graph.heads },
  });
}

function upgradeTo(graph: RevisionGraph, ids: readonly string[], description: string): Target {
  const needed = new Set(ids.flatMap((id) => [...graph.ancestors(id)]));
  return { direction: 'up', description, desired: (now) => new Set([...now, ...needed]) };
}

function without(set: ReadonlySet<string>, removed: readonly string[]): Set<string> {
  const result = new Set(set);
  for (const id of removed) result.delete(id);
  return result;
}
