import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import { PlayLaterError, messageOf } from '../errors.js';
import type { Direction } from './plan.js';
import type { Revision } from './revision.js';
import { HISTORY_TABLE } from './revision-history.js';

/**
 * The migration lease: what keeps other runners out while a non-transactional revision runs,
 * outside any transaction, so outside the reach of the transaction-scoped advisory lock. It is the
 * revision's 'running' history row, taken inside a short locked transaction; every runner that
 * takes the advisory lock checks it and waits while another run holds a valid one. The holder
 * renews it from a connection of its own every fifth of its time to live (the setting leaseTtlMs,
 * default 15 s), so it lapses soon after the holder dies, whatever the connection goes through (a
 * pooler included): nothing is tied to a session. Design: docs/pooling-and-locks.md.
 */
const RENEWALS_PER_TTL = 5;

/** One run of the runner (a process may run several): the lease's holder. */
export function newLeaseHolder(host: string): string {
  return `${host} run ${randomBytes(4).toString('hex')}`;
}

export interface LeaseHeld {
  revision: string;
  direction: Direction;
  host: string | null;
  startedAt: Date;
}

/**
 * The valid lease of another run, if any; none before the history table (or its lease columns)
 * exists. `columnsKnown`: the caller knows they exist, and the catalog is not asked.
 */
export async function leaseOfAnotherRun(client: pg.Client, holder: string | undefined, columnsKnown = false): Promise<LeaseHeld | undefined> {
  if (!columnsKnown) {
    const columns = await client.query(`SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'lease_expires_at' AND NOT attisdropped`, [HISTORY_TABLE]);
    if (columns.rowCount === 0) return undefined;
  }
  const result = await client.query<{ revision: string; direction: Direction; host: string | null; started_at: Date }>(
    `SELECT revision, direction, host, started_at FROM ${HISTORY_TABLE}
      WHERE status = 'running' AND lease_expires_at > clock_timestamp() AND lease_holder IS DISTINCT FROM $1 ORDER BY id DESC LIMIT 1`,
    [holder ?? null],
  );
  const row = result.rows[0];
  return row && { revision: row.revision, direction: row.direction, host: row.host, startedAt: row.started_at };
}

export function describeLease(lease: LeaseHeld): string {
  return `the lease of ${lease.revision} (${lease.direction === 'up' ? 'upgrade' : 'downgrade'}, non-transactional), taken ${lease.startedAt.toISOString()}${lease.host ? ` on ${lease.host}` : ''}`;
}

/** Inside the locked transaction: writes the 'running' row that is the lease; returns its id. */
export async function takeLease(
  client: pg.Client,
  revision: Revision,
  direction: Direction,
  host: string,
  holder: string,
  journal: readonly string[],
  ttlMs: number,
): Promise<string> {
  const result = await client.query<{ id: string }>(
    `INSERT INTO ${HISTORY_TABLE} (revision, direction, status, checksum, file, started_at, host, lease_holder, lease_expires_at, journal)
     VALUES ($1, $2, 'running', $3, $4, clock_timestamp(), $5, $6, clock_timestamp() + make_interval(secs => $7), $8) RETURNING id`,
    [revision.id, direction, revision.checksum, path.basename(revision.file), host, holder, ttlMs / 1000, journal],
  );
  return result.rows[0]!.id;
}

/**
 * The holder's side, on a connection of its own (autocommit): renews the lease on a timer and
 * journals each statement of the revision before it is sent. A lease found taken over (its row no
 * longer 'running', or held by another run) stops the revision before its next statement.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private lost: string | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly id: string,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.renewing ??= this.extend(null)
        .catch((error: unknown) => {
          this.lost ??= `renewing it failed: ${messageOf(error)}`;
        })
        .finally(() => {
          this.renewing = undefined;
        });
    }, this.ttlMs / RENEWALS_PER_TTL);
    this.timer.unref();
  }

  /** Records the statement in the journal (and renews); throws when the lease was lost. */
  async journal(statement: string): Promise<void> {
    if (this.lost) throw this.lostError();
    await this.extend(statement);
    if (this.lost) throw this.lostError();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  /** On failure: the lease lapses at once, so the next runner (or this one's retry) recovers the run. */
  async release(): Promise<void> {
    await this.stop();
    await this.client.query(`UPDATE ${HISTORY_TABLE} SET lease_expires_at = clock_timestamp() WHERE id = $1 AND lease_holder = $2`, [this.id, this.holder]);
  }

  private async extend(statement: string | null): Promise<void> {
    const result = await this.client.query(
      `UPDATE ${HISTORY_TABLE} SET lease_expires_at = clock_timestamp() + make_interval(secs => $3),
              journal = CASE WHEN $4::text IS NULL THEN journal ELSE array_append(journal, $4::text) END
        WHERE id = $1 AND lease_holder = $2 AND status = 'running' AND lease_expires_at > clock_timestamp()`,
      [this.id, this.holder, this.ttlMs / 1000, statement],
    );
    if (result.rowCount === 0) this.lost ??= 'it lapsed or another runner took it over';
  }

  private lostError(): PlayLaterError {
    return new PlayLaterError('E_LEASE_LOST', `This runner lost the migration lease of its non-transactional revision (${this.lost}); it stopped before its next statement.`, {
      hint: `Another runner recovers the revision and runs it again; run again to see where the database is. A runner that cannot renew its lease for ${this.ttlMs / 1000} s (a frozen machine, a lost connection) loses it (setting leaseTtlMs).`,
    });
  }
}
