import { PlayLaterError } from '../../errors.js';
import type { Direction } from '../../runner/migrator.js';
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
  const migrator = await context.offlineMigrator((event) => {
    if (event.type === 'log') context.output.info(`-- ${event.message}`);
  });
  const script = await migrator.renderSql(direction, reference);
  if (context.output.json) context.output.result('', { ok: true, command: direction === 'up' ? 'upgrade' : 'downgrade', from: script.from, target: script.target, sql: script.sql });
  else context.output.raw(script.sql);
}
