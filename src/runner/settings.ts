import type { RunnerSettings } from './executor.js';

/**
 * The runner's settings when nothing overrides them: the defaults of the configuration (config file,
 * environment, flags) and of the Migrator used from code, test set-up and scripts alike.
 */
export const DEFAULT_RUNNER_SETTINGS: Readonly<RunnerSettings> = {
  lockWaitMs: 60_000,
  lockTimeoutMs: 2_000,
  lockRetries: 8,
  statementTimeoutMs: 0,
  leaseTtlMs: 15_000,
  maxReplayStallMs: 30_000,
};
