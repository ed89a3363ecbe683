import type { RevisionGraph } from '../runner/revision-graph.js';

/** "005_add_database_views (head)", "base", or several heads joined. */
export function describeHeads(graph: RevisionGraph, heads: readonly string[]): string {
  if (heads.length === 0) return 'base (no revision applied)';
  return heads.map((id) => (graph.heads.includes(id) ? `${id} (head)` : id)).join(', ');
}
