import type pg from 'pg';
import { PlayLaterError, messageOf } from '../errors.js';
import type { PlannedStep } from './plan.js';

/**
 * SQLSTATEs of a server that ends the session: a fast shutdown (Patroni's switchover), a crash or
 * a restart of the node, and any connection exception (class 08).
 */
const SESSION_ENDED = new Set(['57P01', '57P02', '57P03']);
/** What node-postgres and Node's sockets say when the server went away without a word. */
const SOCKET_GONE = /Connection terminated|connection error and is not queryable|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT|socket hang up/i;

/** Whether `error` means the connection to the server is gone (not a failure of the SQL itself). */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (SESSION_ENDED.has(code) || code.startsWith('08'))) return true;
  if (typeof code === 'string' && SOCKET_GONE.test(code)) return true;
  return SOCKET_GONE.test(messageOf(error));
}

/** "127.0.0.1:5432" for the log and the error: the node that was lost, never credentials. */
export function describeConnection(client: pg.Client, role: string): string {
  return `${role} to ${client.host}:${client.port}`;
}

/**
 * The error a run stops with when its connection dies under a revision, typically because the
 * primary changed (switchover or failover). It names the connection and the revision, and says
 * what of the revision stayed.
 */
export function connectionLostError(step: PlannedStep, connection: string, error: unknown): PlayLaterError {
  const { id } = step.revision;
  const kept = step.revision.transactional ? `Nothing of ${id} was kept: its transaction never committed.` : keptOfNonTransactional(step);
  return new PlayLaterError('E_CONNECTION_LOST', `Lost the ${connection} during revision ${id} (${step.direction === 'up' ? 'upgrade' : 'downgrade'}): ${messageOf(error)}`, {
    cause: error,
    hint: `${kept} If the primary changed (switchover or failover), run the same command again: a multi-host URL with target_session_attrs=read-write reaches the new primary.`,
    data: { revision: id, direction: step.direction, connection, sqlState: (error as { code?: unknown }).code },
  });
}

/** What stays of a non-transactional revision that stopped in its middle, and what the next run does. */
export function keptOfNonTransactional(step: PlannedStep): string {
  return `${step.revision.id} is non-transactional: statements it completed stay, and the version table still says it is not ${step.direction === 'up' ? 'applied' : 'reverted'}; the next run recognizes the interruption, drops the INVALID indexes it left and runs it again.`;
}
