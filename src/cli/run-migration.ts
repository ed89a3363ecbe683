import type pg from 'pg';
import type { Direction, MigratorEvent, PlannedStep, StepDone } from '../runner/migrator.js';
import type { CommandContext } from './command-context.js';
import { confirmDestructive } from './confirm.js';
import { describeHeads } from './describe-heads.js';
import { formatDuration, type Output } from './output.js';
import { plural } from '../plural.js';

export interface MigrateFlags {
  singleTransaction?: boolean;
  /** Print the SQL instead of running it (offline: no database is contacted). */
  sql?: boolean;
  /** Downgrade: go ahead without asking even when tables holding rows would be dropped. */
  yes?: boolean;
}

/** upgrade and downgrade: run through the Migrator, render its progress and its result. */
export async function runMigration(context: CommandContext, direction: Direction, reference: string, flags: MigrateFlags): Promise<void> {
  if (flags.sql) {
    const { printOfflineSql } = await import('./commands/offline-sql.js');
    await printOfflineSql(context, direction, reference, flags);
    return;
  }
  const graph = await context.graph();
  const { output } = context;
  await context.withMigrator(async (migrator, { client, displayUrl, embedded }) => {
    output.debug(`database: ${displayUrl}`);
    if (direction === 'down' && !flags.yes && !embedded) await confirmDataLoss(context, client, await migrator.stepsFromHere('down', reference), reference);
    const options = { singleTransaction: flags.singleTransaction };
    const result = direction === 'up' ? await migrator.upgrade(reference, options) : await migrator.downgrade(reference, options);
    const where = describeHeads(graph, result.after);
    const lines = [
      result.steps.length === 0
        ? `Nothing to do: the database is at ${where}.`
        : `${direction === 'up' ? 'Upgraded' : 'Downgraded'} ${plural(result.steps.length, 'revision')} in ${formatDuration(result.durationMs)}; the database is at ${where}.`,
    ];
    if (result.adopted.length > 0) {
      lines.push(`Recorded the checksums of ${plural(result.adopted.length, 'applied revision')} that had no history yet (adopted): ${result.adopted.join(', ')}.`);
    }
    if (result.doneByOthers.length > 0) {
      lines.push(`Another runner applied ${result.doneByOthers.join(', ')} while this one waited; nothing was applied twice.`);
    }
    output.result(lines.join('\n'), {
      ok: true,
      command: direction === 'up' ? 'upgrade' : 'downgrade',
      target: reference,
      before: result.before,
      after: result.after,
      steps: result.steps,
      doneByOthers: result.doneByOthers,
      adopted: result.adopted,
      durationMs: result.durationMs,
    });
  }, progressRenderer(output, progressLine));
}

/**
 * The Migrator's events on stderr: each finished step as `formatStep` writes it, what the runner and
 * the revisions report, and (with --debug) each step as it starts. Adoption and steps done by
 * another runner are part of the result instead.
 */
export function progressRenderer(output: Output, formatStep: (step: StepDone) => string): (event: MigratorEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'step-started':
        output.debug(`${event.direction === 'up' ? 'upgrade' : 'downgrade'} ${event.revision} started${event.transactional ? '' : ' (non-transactional)'}`);
        break;
      case 'step-done':
        output.info(formatStep(event.step));
        break;
      case 'log':
        output.info(event.message);
        break;
      case 'adopted':
      case 'done-by-others':
        break;
    }
  };
}

/** A downgrade that would drop tables holding rows (or cannot tell) asks first; see confirm.ts. */
async function confirmDataLoss(context: CommandContext, client: pg.Client, steps: PlannedStep[], reference: string): Promise<void> {
  // Imported here: it renders offline SQL (kysely), which a no-op upgrade never loads.
  const { findDataAtRisk } = await import('../runner/dropped-tables.js');
  const risk = await findDataAtRisk(client, steps);
  const dangers = [
    ...(risk.tablesWithRows.length > 0 ? [`drops table(s) holding rows: ${risk.tablesWithRows.join(', ')}`] : []),
    ...(risk.unknown.length > 0 ? [`runs ${risk.unknown.join(', ')}, whose SQL depends on the data, so what it drops cannot be known in advance`] : []),
  ];
  if (dangers.length === 0) return;
  await confirmDestructive(context.output, {
    danger: `downgrade ${reference} ${dangers.join('; and it ')}`,
    command: `play-later-db downgrade ${reference}`,
  }, context.io);
}

function progressLine(step: StepDone): string {
  const verb = step.direction === 'up' ? 'Running upgrade' : 'Running downgrade';
  const retries = step.retries > 0 ? `, after ${plural(step.retries, 'lock retry', 'lock retries')}` : '';
  return `${verb} ${step.revision}, ${step.message} (${formatDuration(step.durationMs)}${retries})`;
}
