import type { Config } from '../config/resolve-config.js';
import { withDatabase, type SessionOptions } from '../db/database-session.js';
import { PlayLaterError, isPlayLaterError, messageOf } from '../errors.js';
import { Migrator, type MigratorEvent, type StepDone } from '../runner/migrator.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { assertChecksumsMatch } from '../runner/revision-history.js';
import { readHeads } from '../runner/version-table.js';
import { backupConfiguredDatabase, type BackupResult } from './backup.js';
import { verifyDatabase, type VerifyReport } from './verify.js';

export interface DeployResult {
  backup: BackupResult;
  before: string[];
  after: string[];
  applied: StepDone[];
  verify: VerifyReport;
}

export interface DeployOptions {
  config: Config;
  graph: RevisionGraph;
  schemaFile: string;
  session: SessionOptions;
  log: (message: string) => void;
  /** The upgrade's progress (see Migrator). */
  onEvent: (event: MigratorEvent) => void;
}

/**
 * The seed's deploy script, done right: (checksums) → backup → upgrade head → refresh_user_stats() → verify.
 * It stops at the first failure and names the backup that restores the state before the deploy.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { config, graph, log } = options;
  // An edited applied revision would stop the upgrade anyway: find out before the backup, which takes long.
  await withDatabase(config, options.session, async ({ client }) => assertChecksumsMatch(client, graph, graph.appliedFrom(await readHeads(client)))).catch(
    (error: unknown) => {
      throw stopped('checksums', error, `Nothing was changed and no backup was taken. ${isPlayLaterError(error) && error.hint ? error.hint : ''}`.trim());
    },
  );
  log('1/4 backup');
  const backup = await backupConfiguredDatabase(config).catch((error: unknown) => {
    throw stopped('backup', error, 'Nothing was changed: the deploy stops before touching the database.');
  });
  log(`    ${backup.path} (${backup.method})`);
  const restoreHint = `To return to the state before this deploy: play-later-db restore ${backup.path}`;
  return withDatabase(config, options.session, async ({ client, url }) => {
    let current = 'upgrade head';
    try {
      log('2/4 upgrade head');
      const migrator = new Migrator({ graph, client, directUrl: config.directDatabaseUrl, settings: config, onEvent: options.onEvent });
      const run = await migrator.upgrade('head');
      current = 'refresh stats';
      log('3/4 SELECT refresh_user_stats()');
      await client.query('SELECT refresh_user_stats()');
      current = 'verify';
      log('4/4 verify');
      const verify = await verifyDatabase(client, graph, options.schemaFile, config);
      if (!verify.ok) {
        const failed = verify.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
        throw new PlayLaterError('E_VERIFY_FAILED', `verify failed:\n${failed.join('\n')}`, { data: { verify } });
      }
      return { backup, before: run.before, after: run.after, applied: run.steps, verify };
    } catch (error) {
      throw stopped(current, error, restoreHint, backup);
    }
  }).catch((error: unknown) => {
    throw stopped('connect', error, restoreHint, backup);
  });
}

/** The error that ends a deploy: the step, what went wrong, and how to get back. */
function stopped(step: string, error: unknown, hint: string, backup?: BackupResult): PlayLaterError {
  if (isPlayLaterError(error) && error.data?.deployStep) return error;
  const code = isPlayLaterError(error) ? error.code : 'E_DATABASE';
  const cause = isPlayLaterError(error) && error.hint ? `${error.message} (${error.hint})` : messageOf(error);
  return new PlayLaterError(code, `Deploy stopped at "${step}": ${cause}`, {
    cause: error,
    hint,
    data: { deployStep: step, backup: backup?.path, ...(isPlayLaterError(error) ? error.data : {}) },
  });
}
