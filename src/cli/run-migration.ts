import type pg from 'pg';
import { findDataAtRisk } from '../runner/dropped-tables.js';
import { runToTarget, type StepDone } from '../runner/executor.js';
import { planSteps, resolveDowngradeTarget, resolveUpgradeTarget, type Direction, type PlannedStep } from '../runner/plan.js';
import { readHeads } from '../runner/version-table.js';
import type { CommandContext } from './command-context.js';
import { confirmDestructive } from './confirm.js';
import { describeHeads } from './describe-heads.js';

export interface MigrateFlags {
  singleTransaction?: boolean;
  /** Print the SQL instead of running it (offline: no database is contacted). */
  sql?: boolean;
  /** Downgrade: go ahead without asking even when tables holding rows would be dropped. */
  yes?: boolean;
}

/** upgrade and downgrade: resolve the target against the database, run, report. */
export async function runMigration(context: CommandContext, direction: Direction, reference: string, flags: MigrateFlags): Promise<void> {
  if (flags.sql) {
    const { printOfflineSql } = await import('./commands/offline-sql.js');
    await printOfflineSql(context, direction, reference, flags);
    return;
  }
  const graph = await context.graph();
  const { config, output } = context;
  await context.withDatabase(async ({ client, displayUrl, url, embedded }) => {
    output.debug(`database: ${displayUrl}`);
    const applied = graph.appliedFrom(await readHeads(client));
    const target =
      direction === 'up' ? resolveUpgradeTarget(graph, reference, applied) : resolveDowngradeTarget(graph, reference, applied);
    if (direction === 'down' && !flags.yes && !embedded) await confirmDataLoss(context, client, planSteps(graph, applied, target), reference);
    const started = performance.now();
    const result = await runToTarget({
      client,
      graph,
      target,
      settings: config,
      directUrl: config.directDatabaseUrl ?? url,
      singleTransaction: flags.singleTransaction,
      log: (message) => output.info(message),
      onStep: (step) => output.info(progressLine(step)),
    });
    const totalMs = Math.round(performance.now() - started);
    const where = describeHeads(graph, result.after);
    const lines = [
      result.done.length === 0
        ? `Nothing to do: the database is at ${where}.`
        : `${direction === 'up' ? 'Upgraded' : 'Downgraded'} ${result.done.length} revision(s) in ${totalMs} ms; the database is at ${where}.`,
    ];
    if (result.adopted.length > 0) {
      lines.push(`Recorded the checksums of ${result.adopted.length} applied revision(s) that had no history yet (adopted): ${result.adopted.join(', ')}.`);
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
      steps: result.done,
      doneByOthers: result.doneByOthers,
      adopted: result.adopted,
      durationMs: totalMs,
    });
  });
}

/** A downgrade that would drop tables holding rows (or cannot tell) asks first; see confirm.ts. */
async function confirmDataLoss(context: CommandContext, client: pg.Client, steps: PlannedStep[], reference: string): Promise<void> {
  const risk = await findDataAtRisk(client, steps);
  const dangers = [
    ...(risk.tablesWithRows.length > 0 ? [`drops table(s) holding rows: ${risk.tablesWithRows.join(', ')}`] : []),
    ...(risk.unknown.length > 0 ? [`runs ${risk.unknown.join(', ')}, whose SQL depends on the data, so what it drops cannot be known in advance`] : []),
  ];
  if (dangers.length === 0) return;
  await confirmDestructive(context.output, {
    danger: `downgrade ${reference} ${dangers.join('; and it ')}`,
    command: `play-later-db downgrade ${reference}`,
  });
}

function progressLine(step: StepDone): string {
  const verb = step.direction === 'up' ? 'Running upgrade' : 'Running downgrade';
  const retries = step.retries > 0 ? `, after ${step.retries} lock retries` : '';
  return `${verb} ${step.revision}, ${step.message} (${step.durationMs} ms${retries})`;
}
