import type pg from 'pg';
import { beginWithMigrationLock } from './migration-lock.js';

export interface LockSettings {
  /** How long to wait for another runner's migration lock (E_LOCK_TIMEOUT after). */
  lockWaitMs: number;
  /** lock_timeout of each statement: a revision gives up a lock it cannot get instead of queueing. */
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * How often a backend checks that its client is still connected while it runs a statement: a killed
 * runner's backend then stops (and rolls back, releasing its locks) within this time, instead of
 * running its statement to the end.
 */
export const CLIENT_CHECK_INTERVAL_MS = 1_000;

/** The timeouts as SET statements: LOCAL inside a transaction (PgBouncer rejects startup parameters). */
export function timeoutSettingsSql(settings: LockSettings, scope: 'LOCAL' | 'SESSION'): string {
  return (['lock_timeout', 'statement_timeout', 'client_connection_check_interval'] as const)
    .map((name) => {
      const value = name === 'lock_timeout' ? settings.lockTimeoutMs : name === 'statement_timeout' ? settings.statementTimeoutMs : CLIENT_CHECK_INTERVAL_MS;
      return `SET ${scope} ${name} = ${Math.trunc(value)}`;
    })
    .join('; ');
}

/** A transaction holding the migration lock, with the runner's timeouts set for its statements. */
export class LockedTransaction {
  private open = false;
  /**
   * Set by the caller once a committed transaction of this run created (or checked) the bookkeeping
   * tables: the runner never drops them, so later transactions of the run skip the catalog checks.
   */
  bookkeepingKnown = false;

  constructor(
    private readonly client: pg.Client,
    private readonly settings: LockSettings,
    /** The run's lease holder id: its own lease does not keep it out. */
    private readonly holder?: string,
    /** Told once when another runner keeps this one waiting for more than a second. */
    private readonly onWait?: (blockedBy: string) => void,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  async begin(): Promise<void> {
    await beginWithMigrationLock(this.client, this.settings.lockWaitMs, timeoutSettingsSql(this.settings, 'LOCAL'), this.holder, this.bookkeepingKnown, this.onWait);
    this.open = true;
  }

  /** `finalSql`: statements sent with COMMIT in one round trip (literal SQL, no parameters). */
  async commit(finalSql = ''): Promise<void> {
    if (!this.open) return;
    await this.client.query(finalSql === '' ? 'COMMIT' : `${finalSql}; COMMIT`);
    this.open = false;
  }

  /** Never throws: used on error paths, where the connection may already be gone. */
  async rollback(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.client.query('ROLLBACK').catch(() => undefined);
  }
}

/** Runs `work` in one locked transaction: committed when it returns, rolled back when it throws. */
export async function inLockedTransaction<T>(client: pg.Client, settings: LockSettings, work: () => Promise<T>, holder?: string): Promise<T> {
  const transaction = new LockedTransaction(client, settings, holder);
  await transaction.begin();
  try {
    const result = await work();
    await transaction.commit();
    return result;
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}
