import path from 'node:path';
import { PlayLaterError } from '../errors.js';
import type { Revision } from './revision.js';

/**
 * The revisions as a directed acyclic graph: branches, merges (several parents), several heads and
 * depends_on edges are all legal. Built once per command from the revision files.
 */
export class RevisionGraph {
  readonly byId: ReadonlyMap<string, Revision>;
  /** Parents and dependencies before children; ties broken by id, so the order is stable. */
  readonly order: readonly Revision[];
  readonly heads: readonly string[];
  readonly bases: readonly string[];
  private readonly children = new Map<string, string[]>();
  private readonly dependents = new Map<string, string[]>();

  constructor(revisions: readonly Revision[]) {
    const byId = new Map<string, Revision>();
    for (const revision of revisions) {
      const other = byId.get(revision.id);
      if (other) {
        throw new PlayLaterError('E_GRAPH_DUPLICATE', `Revision id "${revision.id}" is defined twice: in ${path.basename(other.file)} and in ${path.basename(revision.file)}.`, {
          hint: 'Give one of them a new id (the next free number) and fix the downRevision of its children.',
          data: { revision: revision.id, files: [other.file, revision.file] },
        });
      }
      byId.set(revision.id, revision);
    }
    for (const revision of revisions) {
      for (const [kind, ids] of [['downRevision', revision.parents], ['dependsOn', revision.dependsOn]] as const) {
        for (const id of ids) {
          if (!byId.has(id)) {
            throw new PlayLaterError('E_GRAPH_MISSING_PARENT', `Revision "${revision.id}" (${path.basename(revision.file)}) names ${kind} "${id}", which no revision file defines.`, {
              hint: 'Restore the missing revision file or correct the id.',
              data: { revision: revision.id, missing: id },
            });
          }
          const edges = kind === 'downRevision' ? this.children : this.dependents;
          edges.set(id, [...(edges.get(id) ?? []), revision.id]);
        }
      }
    }
    this.byId = byId;
    this.order = topologicalOrder(byId);
    this.heads = revisions.filter((r) => !this.children.has(r.id)).map((r) => r.id).sort();
    this.bases = revisions.filter((r) => r.parents.length === 0).map((r) => r.id).sort();
  }

  get(id: string): Revision {
    const revision = this.byId.get(id);
    if (!revision) throw unknownRevision(id);
    return revision;
  }

  /** A full id, a unique prefix of one, or a branch label. */
  resolve(reference: string): Revision {
    const exact = this.byId.get(reference);
    if (exact) return exact;
    const labelled = this.order.filter((r) => r.branchLabels.includes(reference));
    if (labelled.length === 1) return labelled[0]!;
    const matches = this.order.filter((r) => r.id.startsWith(reference));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new PlayLaterError('E_REVISION_AMBIGUOUS', `Revision "${reference}" is ambiguous: it starts ${matches.map((r) => r.id).join(', ')}.`, {
        hint: 'Give more characters of the id.',
        data: { reference, candidates: matches.map((r) => r.id) },
      });
    }
    throw unknownRevision(reference);
  }

  /** The revision and everything it needs (parents and dependencies), transitively. */
  ancestors(id: string): Set<string> {
    return this.walk([id], (r) => [...this.get(r).parents, ...this.get(r).dependsOn]);
  }

  /** The revision and everything that needs it, transitively. */
  descendants(id: string): Set<string> {
    return this.walk([id], (r) => [...(this.children.get(r) ?? []), ...(this.dependents.get(r) ?? [])]);
  }

  /** Every revision applied when the version table holds these heads. */
  appliedFrom(heads: readonly string[]): Set<string> {
    for (const head of heads) {
      if (!this.byId.has(head)) {
        throw new PlayLaterError('E_VERSION_UNKNOWN', `The database is at revision "${head}", which no revision file defines.`, {
          hint: 'Use the revision files the database was migrated with (check out the matching code), or `stamp` the database at a known revision if you know its real state.',
          data: { revision: head },
        });
      }
    }
    return this.walk(heads, (r) => [...this.get(r).parents, ...this.get(r).dependsOn]);
  }

  /** The heads the version table holds once `id` is applied (up) or reverted (down) from `heads`. */
  headsAfter(heads: readonly string[], id: string, direction: 'up' | 'down'): string[] {
    const applied = this.appliedFrom(heads);
    if (direction === 'up') applied.add(id);
    else applied.delete(id);
    return this.headsOf(applied);
  }

  /** The heads of an applied set: what the version table stores. */
  headsOf(applied: ReadonlySet<string>): string[] {
    return [...applied].filter((id) => !(this.children.get(id) ?? []).some((child) => applied.has(child))).sort();
  }

  private walk(start: readonly string[], next: (id: string) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...next(id));
    }
    return seen;
  }
}

function unknownRevision(reference: string): PlayLaterError {
  return new PlayLaterError('E_REVISION_UNKNOWN', `No revision "${reference}" exists.`, {
    hint: 'Run `play-later-db history` to list the revisions, or use head, heads, base, +N or -N.',
    data: { reference },
  });
}

function topologicalOrder(byId: ReadonlyMap<string, Revision>): Revision[] {
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: Revision[] = [];
  const visit = (id: string, trail: string[]): void => {
    if (done.has(id)) return;
    if (visiting.has(id)) {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      throw new PlayLaterError('E_GRAPH_CYCLE', `The revisions form a cycle: ${cycle.join(' -> ')}.`, {
        hint: 'One of these revisions names a descendant as its downRevision or dependsOn; fix that id.',
        data: { cycle },
      });
    }
    visiting.add(id);
    const revision = byId.get(id)!;
    for (const parent of [...revision.parents, ...revision.dependsOn].sort()) visit(parent, [...trail, id]);
    visiting.delete(id);
    done.add(id);
    order.push(revision);
  };
  for (const id of [...byId.keys()].sort()) visit(id, []);
  return order;
}
