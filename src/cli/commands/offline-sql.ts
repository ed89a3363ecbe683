import { PlayLaterError } from '../../errors.js';
import { renderOfflineSql } from '../../runner/offline-sql.js';
import { resolveDowngradeTarget, resolveUpgradeTarget, singleHead, type Direction } from '../../runner/plan.js';
import type { RevisionGraph } from '../../runner/revision-graph.js';
import type { CommandContext } from '../command-context.js';
import type { MigrateFlags } from '../run-migration.js';

/**
 * upgrade/downgrade --sql: the script, on stdout, without contacting any database (not even the
 * embedded server). The starting point is not read but given, Alembic's way: `from:to`, or base for
 * an upgrade and the heads of the revision files for a downgrade.
 */
export async function printOfflineSql(context: CommandContext, direction: Direction, reference: string, flags: MigrateFlags): Promise<void> {
  if (flags.singleTransaction) {
    throw new PlayLaterError('E_USAGE', '--single-transaction and --sql cannot be combined.', {
      hint: 'Offline SQL commits each revision on its own; run the script with psql --single-transaction if you want all or nothing (and it has no non-transactional revision).',
    });
  }
  const graph = await context.graph();
  const range = /^([^:]*):([^:]+)$/.exec(reference);
  const fromHeads = range ? headsOf(graph, range[1]!) : direction === 'up' ? [] : [...graph.heads];
  const to = range ? range[2]! : reference;
  const applied = graph.appliedFrom(fromHeads);
  const target = direction === 'up' ? resolveUpgradeTarget(graph, to, applied) : resolveDowngradeTarget(graph, to, applied);
  const script = await renderOfflineSql({ graph, fromHeads, target, log: (message) => context.output.info(`-- ${message}`) });
  if (context.output.json) context.output.result('', { ok: true, command: direction === 'up' ? 'upgrade' : 'downgrade', from: fromHeads, target: to, sql: script });
  else process.stdout.write(script);
}

/** The "from" side of a range: base, head, heads, or a revision (which means it and its ancestors applied). */
function headsOf(graph: RevisionGraph, from: string): string[] {
  if (from === '' || from === 'base') return [];
  if (from === 'heads') return [...graph.heads];
  if (from === 'head') return [singleHead(graph)];
  return [graph.resolve(from).id];
}
