import type pg from 'pg';
import { cancelRunningStatement } from '../db/connect.js';
import { PlayLaterError, messageOf } from '../errors.js';
import { SIGNALS, type Signal } from '../exit-cleanup.js';

/**
 * Ctrl-C (or SIGTERM, SIGHUP) while a non-transactional revision runs. Without this, the process
 * would die with the revision's 'running' row still holding the lease, and the next run would wait
 * for it to lapse (leaseTtlMs, 15 s) before recovering the revision. Instead the first signal
 * cancels the running statement (a cancel request, as libpq's PQcancel) and stops the revision
 * before its next one: the step's failure path then releases the lease, so the next run recovers
 * at once. Once the revision itself has finished, the signal only stops the run after the step is
 * recorded. A second signal quits at once.
 */
export class StepInterrupt {
  private received: Signal | undefined;
  private running = true;
  private readonly handler = (signal: Signal): void => {
    if (this.received) {
      this.log(
        `${signal} again: quitting at once. ${this.revision}'s lease lapses ${this.leaseTtlMs / 1000} s after its last renewal; the next run waits for that, then recovers it.`,
      );
      process.exit(128 + SIGNALS[signal]);
    }
    this.received = signal;
    this.log(
      `${signal}: stopping ${this.revision}${this.running ? ' (cancelling its running statement), then releasing its lease so that the next run can recover it at once' : ' once it is recorded'}. ${signal} again quits at once.`,
    );
    if (this.running) cancelRunningStatement(this.client);
  };

  constructor(
    private readonly client: pg.Client,
    private readonly revision: string,
    private readonly log: (message: string) => void,
    private readonly leaseTtlMs: number,
  ) {
    for (const signal of Object.keys(SIGNALS) as Signal[]) process.on(signal, this.handler);
  }

  /** The revision's statements are done: a signal no longer cancels anything (the bookkeeping is short). */
  revisionFinished(): void {
    this.running = false;
  }

  /** Before each statement of the revision: stops it when a signal came. */
  check(): void {
    if (this.received) throw this.error();
  }

  /**
   * The error to end the step with: `cause` itself unless a signal came. `leaseReleased`: whether
   * the step's failure path could release the lease (not when the server went down with the signal,
   * as the embedded one does).
   */
  errorFor(cause: unknown, leaseReleased: boolean): unknown {
    // No signal; or past the revision's statements: the bookkeeping is not cancelled, so `cause` is
    // either check()'s "stopped after it was recorded" or a real failure of the bookkeeping.
    if (!this.received || !this.running) return cause;
    if (leaseReleased) return this.error(cause);
    return new PlayLaterError('E_INTERRUPTED', `Stopped by ${this.received} during ${this.revision} (non-transactional): what it completed stays; its lease could not be released (${messageOf(cause)}).`, {
      hint: `Run the same command again: once the lease has lapsed (${this.leaseTtlMs / 1000} s after this run stopped renewing it) it recovers ${this.revision} (drops the INVALID index it left, if any) and runs it again.`,
      cause,
    });
  }

  dispose(): void {
    for (const signal of Object.keys(SIGNALS) as Signal[]) process.off(signal, this.handler);
  }

  private error(cause?: unknown): PlayLaterError {
    if (!this.running) {
      return new PlayLaterError('E_INTERRUPTED', `Stopped by ${this.received} after ${this.revision} (non-transactional) finished and was recorded; the run went no further.`, {
        hint: 'Run the same command again to go on from there.',
      });
    }
    return new PlayLaterError('E_INTERRUPTED', `Stopped by ${this.received} during ${this.revision} (non-transactional): what it completed stays, its lease was released.`, {
      hint: `Run the same command again: it recovers ${this.revision} at once (drops the INVALID index it left, if any) and runs it again.`,
      cause,
    });
  }
}
