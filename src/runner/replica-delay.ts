import type pg from 'pg';
import { connect, disconnect, urlOf } from '../db/connect.js';
import { describeHost, formatDatabaseUrl, parseDatabaseUrl, type HostAddress } from '../db/database-url.js';
import { PlayLaterError } from '../errors.js';

/** A standby's two settings that bound how long replay waits for a query that conflicts with it. */
interface StandbyDelays {
  host: HostAddress;
  streamingMs: number;
  archiveMs: number;
}

const CHECK_TIMEOUT_MS = 5_000;

/**
 * Before a run that applies revisions through a connection string with several hosts (a cluster):
 * every standby among those hosts must end a replay conflict within `maxReplayStallMs`.
 *
 * A revision's ACCESS EXCLUSIVE lock is replayed on each replica, where it waits for the queries
 * that hold a lock on the table, and all replay waits with it, until the replica's
 * max_standby_streaming_delay (max_standby_archive_delay when it replays from the archive) ends
 * those queries; -1 waits for ever (docs/scale-out.md, "Replicas and DDL"). The runner cannot
 * shorten a stall once it has begun, so it refuses to start one that could outlast its bound:
 * E_REPLICA_DELAY names the replica and its settings. A host that cannot be reached is reported
 * through `log` and skipped (a replica that is down stalls nothing). `maxReplayStallMs` < 0 turns
 * the check off; a single-host connection has no replicas to ask.
 */
export async function checkReplicaDelays(client: pg.Client, maxReplayStallMs: number, log: (message: string) => void): Promise<void> {
  if (maxReplayStallMs < 0) return;
  const raw = urlOf(client);
  if (!raw) return;
  const target = parseDatabaseUrl(raw);
  if (target.hosts.length < 2) return;
  const others = target.hosts.filter(({ host, port }) => !(host === client.host && port === client.port));

  const standbys: StandbyDelays[] = [];
  for (const host of others) {
    const url = formatDatabaseUrl({ ...target, hosts: [host], targetSessionAttrs: 'any' }, 'keep');
    let replica: pg.Client | undefined;
    try {
      replica = await connect(url, { connectTimeoutMs: CHECK_TIMEOUT_MS, applicationName: 'play-later-db replica check' });
      const { rows } = await replica.query<{ standby: boolean; streaming: number; archive: number }>(
        `SELECT pg_is_in_recovery() AS standby,
                (SELECT setting::int FROM pg_settings WHERE name = 'max_standby_streaming_delay') AS streaming,
                (SELECT setting::int FROM pg_settings WHERE name = 'max_standby_archive_delay') AS archive`,
      );
      const row = rows[0]!;
      if (row.standby) standbys.push({ host, streamingMs: row.streaming, archiveMs: row.archive });
    } catch (error) {
      log(`could not check the replay delay of ${describeHost(host)} (${(error as Error).message}); going on without it`);
    } finally {
      await disconnect(replica);
    }
  }

  const unbounded = (ms: number): boolean => ms < 0 || ms > maxReplayStallMs;
  const offenders = standbys.filter(({ streamingMs, archiveMs }) => unbounded(streamingMs) || unbounded(archiveMs));
  if (offenders.length === 0) return;
  const describe = (ms: number): string => (ms < 0 ? '-1 (for ever)' : `${ms} ms`);
  const list = offenders
    .map(({ host, streamingMs, archiveMs }) => `${describeHost(host)} (max_standby_streaming_delay ${describe(streamingMs)}, max_standby_archive_delay ${describe(archiveMs)})`)
    .join(', ');
  throw new PlayLaterError(
    'E_REPLICA_DELAY',
    `A revision's lock could stall replay on ${offenders.length === 1 ? 'the replica' : 'the replicas'} ${list} for longer than the runner allows (maxReplayStallMs ${maxReplayStallMs} ms). Nothing was applied.`,
    {
      hint: 'Set both settings to at most that on the replica (Patroni: postgresql.parameters), or raise maxReplayStallMs (PLAY_LATER_MAX_REPLAY_STALL_MS; -1 turns the check off).',
      data: { maxReplayStallMs, replicas: offenders.map(({ host, streamingMs, archiveMs }) => ({ host: describeHost(host), maxStandbyStreamingDelayMs: streamingMs, maxStandbyArchiveDelayMs: archiveMs })) },
    },
  );
}
