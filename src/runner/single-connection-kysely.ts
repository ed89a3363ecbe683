import {
  AbortedTransactionError,
  type CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import { transactionControlStatement } from './transaction-control.js';

export interface SingleConnectionOptions {
  /**
   * The connection is inside a transaction that the caller owns (the runner's, with its lock):
   * `transaction()` becomes a savepoint, and a statement that would end the transaction is
   * refused before it is sent. Otherwise `transaction()` is a real transaction.
   */
  insideCallersTransaction?: boolean;
  /** Sent right after each BEGIN of a real transaction (the runner's SET LOCAL timeouts). */
  afterBegin?: () => Promise<void>;
  /** Awaited with each statement before it is sent (the journal of a non-transactional revision). */
  beforeStatement?: (sql: string) => Promise<void>;
}

/** What a revision's nested transaction or raw SQL did that the runner cannot allow. */
export class TransactionControlError extends Error {
  override readonly name = 'TransactionControlError';
}

/**
 * A Kysely bound to one connection that the caller owns (releasing it is a no-op), so that queries
 * run where the caller wants them: inside the runner's transaction for a transactional revision.
 */
export function kyselyOn(client: pg.Client, options: SingleConnectionOptions = {}): Kysely<any> {
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new SingleConnectionDriver(client, options),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
  return new Kysely<any>({ dialect });
}

class SingleConnectionDriver implements Driver {
  private readonly connection: SingleConnection;
  /** Open savepoints standing for nested transactions, innermost last. */
  private readonly savepoints: string[] = [];
  private savepointCount = 0;

  constructor(
    private readonly client: pg.Client,
    private readonly options: SingleConnectionOptions,
  ) {
    this.connection = new SingleConnection(client, options);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }

  async beginTransaction(_connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (this.options.insideCallersTransaction) {
      if (settings.isolationLevel || settings.accessMode) {
        throw new TransactionControlError(
          'A transactional revision runs inside the runner\'s transaction: its transaction() cannot set an isolation level or access mode. Declare the revision transactional = false to run its own transactions.',
        );
      }
      this.savepointCount += 1;
      const name = `play_later_nested_${this.savepointCount}`;
      await this.client.query(`SAVEPOINT ${name}`);
      this.savepoints.push(name);
      return;
    }
    const characteristics = [settings.isolationLevel && `ISOLATION LEVEL ${settings.isolationLevel}`, settings.accessMode].filter(Boolean).join(' ');
    await this.client.query(characteristics ? `START TRANSACTION ${characteristics}` : 'BEGIN');
    await this.options.afterBegin?.();
  }

  async commitTransaction(): Promise<void> {
    const savepoint = this.savepoints.pop();
    if (savepoint) {
      await this.client.query(`RELEASE SAVEPOINT ${savepoint}`);
      return;
    }
    // PostgreSQL completes COMMIT with a ROLLBACK tag when an earlier statement failed.
    if ((await this.client.query('COMMIT')).command === 'ROLLBACK') throw new AbortedTransactionError();
  }

  async rollbackTransaction(): Promise<void> {
    const savepoint = this.savepoints.pop();
    if (savepoint) {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await this.client.query(`RELEASE SAVEPOINT ${savepoint}`);
      return;
    }
    await this.client.query('ROLLBACK');
  }

  async savepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    await this.client.query(`SAVEPOINT ${quoteIdentifier(name)}`);
  }

  async rollbackToSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    await this.client.query(`ROLLBACK TO SAVEPOINT ${quoteIdentifier(name)}`);
  }

  async releaseSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    await this.client.query(`RELEASE SAVEPOINT ${quoteIdentifier(name)}`);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

class SingleConnection implements DatabaseConnection {
  constructor(
    private readonly client: pg.Client,
    private readonly options: SingleConnectionOptions,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const inside = this.options.insideCallersTransaction;
    if (inside) {
      const control = transactionControlStatement(compiled.sql);
      if (control) {
        throw new TransactionControlError(
          `${control} refused before it was sent: a transactional revision runs inside the runner's transaction and cannot end it (use db.transaction(), which becomes a savepoint, or declare the revision transactional = false).`,
        );
      }
    }
    await this.options.beforeStatement?.(compiled.sql);
    const result = await this.client.query(compiled.sql, compiled.parameters as unknown[]);
    if (inside && this.client.getTransactionStatus() === 'I') {
      throw new TransactionControlError(`The statement ended the runner's transaction (the server reports no open transaction after it): ${compiled.sql.slice(0, 200)}`);
    }
    const changed = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
    return { rows: (result.rows ?? []) as R[], ...(changed ? { numAffectedRows: BigInt(result.rowCount ?? 0) } : {}) };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('stream() is not supported on the runner\'s connection; select in batches instead.');
  }
}
