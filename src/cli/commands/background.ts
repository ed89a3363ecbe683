import { listBackgroundMigrations, setPaused, type BackgroundMigration } from '../../background/background-migration.js';
import { parseThrottle, parseWholeNumber, runBackgroundMigrations } from '../../background/run-batches.js';
import { PlayLaterError } from '../../errors.js';
import type { CommandContext } from '../command-context.js';

export type BackgroundAction = 'run' | 'pause' | 'resume' | 'status';

export interface BackgroundFlags {
  maxLagMs?: string;
  maxActive?: string;
  sleepCoef?: string;
  batchMs?: string;
  batches?: string;
}

function describe(migration: BackgroundMigration): string {
  const where = migration.lastKey ? `, last key (${migration.lastKey.join(', ')})` : '';
  return `${migration.name.padEnd(32)} ${migration.status.padEnd(9)} ${migration.rowsDone} rows in ${migration.batchesDone} batches${where}, throttled ${migration.throttledMs} ms (${migration.table}, from ${migration.revision})`;
}

/** `background run|pause|resume|status [name]`: batched background migrations (src/background/). */
export async function backgroundCommand(context: CommandContext, action: BackgroundAction, name: string | undefined, flags: BackgroundFlags): Promise<void> {
  await context.withDatabase(
    async ({ client }) => {
      let migrations: BackgroundMigration[];
      if (action === 'run') {
        const maxBatches = flags.batches === undefined ? undefined : parseWholeNumber(flags.batches, 0, '--batches');
        migrations = await runBackgroundMigrations(client, name, { throttle: parseThrottle(flags), maxBatches, log: (line) => context.output.info(line) });
      } else if (action === 'pause' || action === 'resume') {
        if (!name) throw new PlayLaterError('E_USAGE', `background ${action} needs the migration's name.`, { hint: 'See the names with `play-later-db background status`.' });
        await setPaused(client, name, action === 'pause');
        migrations = await listBackgroundMigrations(client);
      } else {
        migrations = await listBackgroundMigrations(client);
      }
      const shown = name ? migrations.filter((migration) => migration.name === name) : migrations;
      context.output.result(shown.length === 0 ? 'No background migrations.' : shown.map(describe).join('\n'), { ok: true, migrations: shown });
    },
    { readOnly: action === 'status' },
  );
}
