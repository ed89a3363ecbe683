import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BACKGROUND_TABLE, enqueueBackgroundMigrations, ensureBackgroundTable } from '../../src/background/background-migration.js';
import { runBackgroundMigrations } from '../../src/background/run-batches.js';
import { connect, disconnect } from '../../src/db/connect.js';
import { readHeads } from '../../src/runner/version-table.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { describeOnCluster, killNode, nodeUrl, restartNode, switchover, waitForHealthyCluster, waitForPrimary, type ClusterNode, type TestCluster } from '../support/ha-cluster.js';
import { expectCliError } from '../support/expect-cli.js';
import { projectRevisions, revisionsDirWith, type FixtureProject, type FixtureRevision } from '../support/revision-fixtures.js';
import { runCli, startCli } from '../support/run-cli.js';
import { withConnection } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A database of the suite's own on the cluster, by name: created on the primary before the suite's
 * own set-up, dropped after its clean-up on whichever node is the primary by then.
 */
function useClusterDatabase(cluster: TestCluster, prefix: string): string {
  const database = `${prefix}_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    await withConnection((await waitForHealthyCluster(cluster)).url, (admin) => admin.query(`CREATE DATABASE ${database}`));
  }, 180_000);
  afterAll(async () => {
    await withConnection((await waitForHealthyCluster(cluster)).url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }, 300_000);
  return database;
}

/** A session on a replica's copy of a database that the primary has just created: once the replica has replayed it. */
function connectOnReplica(url: string): Promise<pg.Client> {
  return waitFor(`the database of ${url.replace(/:[^:@/]*@/, ':***@')} on the replica`, () => connect(url).catch(() => false as const), 60_000);
}

/**
 * The cluster itself (scripts/ci/start-ha-cluster.sh): one primary, two streaming replicas that
 * serve reads and refuse writes. Every test that uses the cluster lives in this file: test files
 * run in parallel, and a failover in one would pull the primary from under another.
 */
describeOnCluster('the HA test cluster', (cluster) => {
  const database = useClusterDatabase(cluster, 'plt_cluster');
  let primary: ClusterNode;
  beforeAll(async () => {
    primary = await waitForHealthyCluster(cluster);
  });

  it('has one primary and two replicas in recovery, each reached by its own URL', async () => {
    const inRecovery = await Promise.all(
      cluster.nodes.map(async (node) => {
        const client = await connect(node.url);
        try {
          return (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r;
        } finally {
          await disconnect(client);
        }
      }),
    );
    expect(inRecovery.filter((r) => !r)).toHaveLength(1);
    expect(inRecovery[cluster.nodes.indexOf(primary)]).toBe(false);
    const client = await connect(primary.url);
    try {
      const { rows } = await client.query<{ state: string }>(`SELECT state FROM pg_stat_replication ORDER BY application_name`);
      expect(rows).toEqual([{ state: 'streaming' }, { state: 'streaming' }]);
    } finally {
      await disconnect(client);
    }
  });

  it('streams a committed row to both replicas, which refuse writes', async () => {
    const writer = await connect(nodeUrl(primary, database));
    try {
      await writer.query('CREATE TABLE replicated (id integer PRIMARY KEY)');
      await writer.query('INSERT INTO replicated VALUES (42)');
    } finally {
      await disconnect(writer);
    }
    for (const replica of cluster.nodes.filter((node) => node !== primary)) {
      // The replica may not have replayed the CREATE DATABASE yet (seen once in CI: 3D000).
      const reader = await connectOnReplica(nodeUrl(replica, database));
      try {
        await waitFor(`row 42 on ${replica.name}`, async () => (await reader.query('SELECT id FROM replicated').catch(() => ({ rowCount: 0 }))).rowCount === 1);
        await expect(reader.query('INSERT INTO replicated VALUES (43)')).rejects.toThrow(/read-only transaction/);
      } finally {
        await disconnect(reader);
      }
    }
  });
});

/**
 * Failover during a migration loses nothing (issue 10, item 3). Per kind of change of primary — a
 * switchover (`patronictl switchover --force`) and a hard failover (kill -9 of the primary's
 * Patroni and postmaster) — three fixture revisions are interrupted in turn: (a) a transactional
 * one, (b) a CREATE INDEX CONCURRENTLY, (c) a batched backfill that commits per batch. Each is
 * held open by a pause the test controls (a row in failover_test.pause) so the change of primary
 * lands while it runs. The runner must stop with E_CONNECTION_LOST naming the revision; the next
 * run, on the same multi-host URL, finishes on the new primary.
 */
describeOnCluster('failover during a migration', (cluster) => {
  const database = useClusterDatabase(cluster, 'plt_failover');
  const rows = Number(process.env.PLAY_LATER_TEST_FAILOVER_ROWS ?? 1_000_000);
  let project: FixtureProject;
  let url: string;
  let head: string;

  const fixtures = (kind: string, parent: string): FixtureRevision[] => [
    {
      id: `${kind}_a_transactional`,
      parent,
      up: `await sql\`ALTER TABLE user_game_collection ADD CONSTRAINT ck_${kind}_notes CHECK (char_length(notes) < 100000) NOT VALID\`.execute(db);
  await sql\`ALTER TABLE user_game_collection VALIDATE CONSTRAINT ck_${kind}_notes\`.execute(db);
  context.log('failover fixture ${kind}_a running');
  await sql\`SELECT pg_sleep(120) FROM failover_test.pause WHERE step = '${kind}_a'\`.execute(db);`,
      down: `await sql\`ALTER TABLE user_game_collection DROP CONSTRAINT ck_${kind}_notes\`.execute(db);`,
    },
    {
      id: `${kind}_b_concurrent_index`,
      parent: `${kind}_a_transactional`,
      transactional: false,
      up: `await sql\`CREATE OR REPLACE FUNCTION failover_test.slow_${kind}(value text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(120) FROM failover_test.pause WHERE step = '${kind}_b';
    RETURN value;
END $$\`.execute(db);
  context.log('failover fixture ${kind}_b running');
  await sql\`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_${kind}_notes ON user_game_collection (user_id, failover_test.slow_${kind}(notes))\`.execute(db);`,
      down: `await sql\`DROP INDEX CONCURRENTLY IF EXISTS idx_${kind}_notes\`.execute(db);`,
    },
    {
      id: `${kind}_c_backfill`,
      parent: `${kind}_b_concurrent_index`,
      transactional: false,
      up: `await sql\`ALTER TABLE user_game_collection ADD COLUMN IF NOT EXISTS ${kind}_score integer\`.execute(db);
  context.log('failover fixture ${kind}_c running');
  await sql.raw(\`DO $$
DECLARE
    done integer;
BEGIN
    LOOP
        UPDATE user_game_collection SET ${kind}_score = length(platform)
         WHERE (user_id, id) IN (SELECT user_id, id FROM user_game_collection WHERE ${kind}_score IS NULL LIMIT 5000);
        GET DIAGNOSTICS done = ROW_COUNT;
        EXIT WHEN done = 0;
        COMMIT;
        PERFORM pg_sleep(0.2) FROM failover_test.pause WHERE step = '${kind}_c';
    END LOOP;
END $$\`).execute(db);`,
      down: `await sql\`ALTER TABLE user_game_collection DROP COLUMN IF EXISTS ${kind}_score\`.execute(db);`,
    },
  ];

  // The test's own reads and writes wait for a leader first, as an app would: under load Patroni can
  // spend a few seconds without one after a failover (its leader key lapses and is taken again).
  // Patroni names the new leader a moment before its PostgreSQL has left recovery (CI run 24 met that
  // window: "No host gave a read-write session"), so the session itself is waited for too.
  const onPrimary = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    await waitForPrimary(cluster);
    const client = await waitFor('a read-write session through the cluster URL', () => connect(url).catch(() => false as const), 60_000);
    try {
      return await work(client);
    } finally {
      await disconnect(client);
    }
  };
  const upgrade = (target = 'heads') => startCli(['upgrade', target, '--json'], { env: project.env(url, { DIRECT_DATABASE_URL: url }), timeoutMs: 300_000 });
  const pauseAt = (step: string | undefined) =>
    onPrimary(async (client) => {
      await client.query('DELETE FROM failover_test.pause');
      if (step) await client.query('INSERT INTO failover_test.pause VALUES ($1)', [step]);
    });

  beforeAll(async () => {
    const primary = await waitForHealthyCluster(cluster);
    // One URL for the whole cluster: every run reaches whichever node is primary now.
    const hosts = cluster.nodes.map((node) => new URL(node.url).host).join(',');
    const { username, password } = new URL(primary.url);
    url = `postgresql://${username}:${password}@${hosts}/${database}?target_session_attrs=read-write`;
    ({ head } = await projectRevisions());
    project = revisionsDirWith([...fixtures('switchover', head), ...fixtures('crash', 'switchover_c_backfill')]);
    const migrated = await runCli(['upgrade', head], { env: project.env(url, { DIRECT_DATABASE_URL: url }), timeoutMs: 300_000 });
    expect(migrated.code, migrated.stderr).toBe(0);
    await onPrimary(async (client) => {
      // The owner role's (revision 013), as the revisions that use it run as that role.
      await client.query(`CREATE SCHEMA failover_test AUTHORIZATION play_later_owner; CREATE TABLE failover_test.pause (step text PRIMARY KEY); ALTER TABLE failover_test.pause OWNER TO play_later_owner`);
      await client.query(`INSERT INTO games (title, igdb_id) SELECT 'Game ' || g, g FROM generate_series(1, 2000) g`);
      await client.query(
        `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at, notes)
         SELECT 'user-' || (i % 20000), gm.id, (ARRAY['PS5','Steam','Switch','Xbox','PC'])[1 + i % 5], 'DIGITAL', now() - interval '1 day', 'note ' || i
           FROM generate_series(1, $1::integer) i JOIN (SELECT id, row_number() OVER (ORDER BY igdb_id) AS n FROM games) gm ON gm.n = 1 + (i / 20000 + i * 7) % 2000`,
        [rows],
      );
    });
  }, 600_000);
  afterAll(() => project?.cleanup());

  const changes = {
    switchover: async (): Promise<void> => switchover(cluster),
    crash: async (): Promise<void> => {
      const old = await waitForPrimary(cluster);
      killNode(old);
      await waitForPrimary(cluster, { not: old.name, limitMs: 120_000 });
      await restartNode(old);
    },
  };

  for (const kind of ['switchover', 'crash'] as const) {
    it(`${kind}: stops (a), (b), (c) each with E_CONNECTION_LOST naming the revision; the next run on the same URL finishes each`, async () => {
      const collectionRows = await onPrimary(async (client) => Number((await client.query('SELECT count(*) AS n FROM user_game_collection')).rows[0].n));
      expect(collectionRows).toBe(rows);
      for (const step of ['a', 'b', 'c'] as const) {
        const revision = fixtures(kind, '')[['a', 'b', 'c'].indexOf(step)]!.id;
        await waitForHealthyCluster(cluster);
        await pauseAt(`${kind}_${step}`);
        const running = upgrade(revision);
        await running.waitForStderr(new RegExp(`failover fixture ${kind}_${step} running`));
        if (step === 'c') {
          await waitFor('a committed batch of the backfill', () => onPrimary(async (client) => Number((await client.query(`SELECT count(${kind}_score) AS n FROM user_game_collection`)).rows[0].n) > 0), 60_000);
        } else {
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        await changes[kind]();
        const stopped = await running.result;
        expect(stopped.code, stopped.stderr).toBe(1);
        const error = (JSON.parse(stopped.stdout) as { error: { code: string; message: string; revision: string } }).error;
        expect(error).toMatchObject({ code: 'E_CONNECTION_LOST', revision });
        expect(error.message).toContain(revision);
        await waitForPrimary(cluster);
        await pauseAt(undefined);
        const rerun = await runCli(['upgrade', revision, '--json'], { env: project.env(url, { DIRECT_DATABASE_URL: url }), timeoutMs: 300_000 });
        expect(rerun.code, rerun.stderr).toBe(0);
      }
      await onPrimary(async (client) => {
        const history = await client.query(`SELECT revision, count(*) FILTER (WHERE status = 'done')::int AS finished FROM play_later_revision_history WHERE revision LIKE $1 GROUP BY revision ORDER BY revision`, [`${kind}_%`]);
        expect(history.rows).toEqual(['a_transactional', 'b_concurrent_index', 'c_backfill'].map((suffix) => ({ revision: `${kind}_${suffix}`, finished: 1 })));
        expect((await client.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid`)).rows).toEqual([]);
        expect((await client.query(`SELECT conname FROM pg_constraint WHERE NOT convalidated`)).rows).toEqual([]);
        const counts = await client.query(`SELECT count(*)::int AS total, count(${kind}_score)::int AS filled FROM user_game_collection`);
        expect(counts.rows[0]).toEqual({ total: rows, filled: rows });
      });
    }, 900_000);
  }

  it('back at the project head, every node has the same schema and heads, and verify passes on each node', async () => {
    const down = await runCli(['downgrade', head], { env: project.env(url, { DIRECT_DATABASE_URL: url }), timeoutMs: 300_000 });
    expect(down.code, down.stderr).toBe(0);
    const primary = await waitForHealthyCluster(cluster);
    const descriptions = await Promise.all(
      cluster.nodes.map(async (node) => {
        // A fresh connection per look: a node that restarts meanwhile is looked at again, not failed.
        const heads = (): Promise<string> => withConnection(nodeUrl(node, database), readHeads).then((found) => found.join(), () => '');
        await waitFor(`${node.name} replayed the downgrade`, async () => (await heads()) === head, 60_000);
        const client = await connect(nodeUrl(node, database));
        try {
          return { heads: await readHeads(client), schema: await describeSchema(client) };
        } finally {
          await disconnect(client);
        }
      }),
    );
    for (const description of descriptions.slice(1)) expect(description).toEqual(descriptions[0]);
    // The project's own revisions (not the fixtures): every node is back at its head. On the
    // replicas verify skips only the checks that write (smoke write, privilege probe), and says so.
    for (const node of cluster.nodes) {
      const verified = await runCli(['verify'], { env: { DATABASE_URL: nodeUrl(node, database), PLAY_LATER_DATA_DIR: project.embeddedDataDir } });
      expect(verified.code, `${node.name}: ${verified.stdout}${verified.stderr}`).toBe(0);
      const skipped = verified.stdout.match(/^ok {3}[^:]+: skipped: this server is a standby/gm) ?? [];
      expect(skipped, `${node.name}: the smoke write and the privilege probe, skipped on replicas only`).toHaveLength(node.name === primary.name ? 0 : 2);
    }
  }, 300_000);
});

/**
 * The background runner's replica-lag throttle on real lag (issue 10, item 4). A long report on a
 * replica holds a lock that the replay of the primary's ACCESS EXCLUSIVE lock needs, so that
 * replica stops replaying (for up to max_standby_streaming_delay, 30 s) and its replay_lag, as the
 * primary reports it, grows: the lag a busy read replica really has. While it is past the limit the
 * runner runs no batch; once the report ends and the replica catches up, the runner finishes.
 */
describeOnCluster('background migrations on a lagging replica', (cluster) => {
  const database = useClusterDatabase(cluster, 'plt_lag');
  const rows = 20_000;
  const limitMs = 1_000;
  let primaryUrl: string;
  let replica: ClusterNode;
  beforeAll(async () => {
    const primary = await waitForHealthyCluster(cluster);
    primaryUrl = nodeUrl(primary, database);
    replica = cluster.nodes.find((node) => node !== primary)!;
    await withConnection(primaryUrl, async (client) => {
      await client.query(`CREATE TABLE lag_rows (id integer PRIMARY KEY, score integer); CREATE TABLE lag_report (id integer)`);
      await client.query(`INSERT INTO lag_rows SELECT g, NULL FROM generate_series(1, $1::integer) g`, [rows]);
      await ensureBackgroundTable(client);
      await enqueueBackgroundMigrations(client, 'lag_fixture', [{ name: 'lag_fill', table: 'lag_rows', keyColumns: ['id'], set: 'score = id % 7', where: 't.score IS NULL', batchSize: 500 }]);
    });
  }, 180_000);

  it('runs no batch while a replica lags past --max-lag-ms, and finishes once it has caught up', async () => {
    const [report, runner, watcher] = [await connectOnReplica(nodeUrl(replica, database)), await connect(primaryUrl), await connect(primaryUrl)];
    const replayLagMs = async (): Promise<number> =>
      Number((await watcher.query(`SELECT (extract(epoch FROM replay_lag) * 1000)::float8 AS ms FROM pg_stat_replication WHERE application_name = $1`, [replica.name])).rows[0]?.ms ?? 0);
    const batchesDone = async (): Promise<number> => Number((await watcher.query(`SELECT batches_done FROM ${BACKGROUND_TABLE} WHERE name = 'lag_fill'`)).rows[0].batches_done);
    const messages: string[] = [];
    try {
      await waitFor(`lag_report on ${replica.name}`, async () => (await report.query(`SELECT to_regclass('lag_report') IS NOT NULL AS ok`)).rows[0].ok);
      await report.query('BEGIN');
      await report.query('SELECT count(*) FROM lag_report');
      await watcher.query('BEGIN; LOCK TABLE lag_report IN ACCESS EXCLUSIVE MODE; COMMIT');
      // More WAL for the replica to receive (and not replay): its replies carry the growing lag.
      await waitFor(`${replica.name}'s replay lag past ${limitMs} ms`, async () => {
        await watcher.query('UPDATE lag_rows SET score = NULL WHERE id = 1');
        return (await replayLagMs()) > limitMs * 1.5;
      }, 20_000);

      const running = runBackgroundMigrations(runner, 'lag_fill', {
        throttle: { maxReplayLagMs: limitMs, maxActiveSessions: 100, pauseMs: 100, sleepCoefficient: 0, batchTimeMs: 0 },
        log: (message) => messages.push(message),
      });
      await waitFor('the runner to wait for the replica', async () => messages.some((message) => new RegExp(`replica replay lag \\d+ ms > ${limitMs} ms`).test(message)));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await batchesDone(), 'batches run while the replica lagged').toBe(0);
      expect(await replayLagMs()).toBeGreaterThan(limitMs);

      await report.query('COMMIT'); // the report ends: the replica replays what it holds
      const [finished] = await running;
      expect(finished).toMatchObject({ name: 'lag_fill', status: 'finished', rowsDone: rows });
      expect(finished!.throttledMs, "the time counted as throttled: one pauseMs per wait").toBeGreaterThan(1_000);
      // Every row, on the replica too once it has replayed the runner's last batch.
      await waitFor(`every row backfilled on ${replica.name}`, async () => Number((await report.query('SELECT count(score) AS n FROM lag_rows')).rows[0].n) === rows, 60_000);
    } finally {
      await report.query('ROLLBACK').catch(() => undefined);
      await Promise.all([report, runner, watcher].map((client) => disconnect(client)));
    }
  }, 180_000);
});

/**
 * What a revision's ACCESS EXCLUSIVE lock does on a replica (issue 10, item 5). The primary does
 * not wait for replicas: the revision commits at once. On a replica where a long query reads the
 * table, replaying the lock waits for that query, and all replay on that replica waits with it,
 * for at most max_standby_streaming_delay; then PostgreSQL ends the query ("conflict with
 * recovery") and replay goes on. That setting bounds the stall (the test sets it to 3 s on one
 * replica and checks the stall ends within it); the runner refuses to start while it is above
 * maxReplayStallMs (the last test).
 */
describeOnCluster('a revision and a long query on a replica', (cluster) => {
  const database = useClusterDatabase(cluster, 'plt_replay');
  const delayMs = 3_000;
  let project: FixtureProject;
  let primary: ClusterNode;
  let replica: ClusterNode;
  let head: string;
  const env = (): NodeJS.ProcessEnv => project.env(nodeUrl(primary, database));
  /** Runs `sql` on the replica (ALTER SYSTEM) and makes it read its settings again. */
  const onReplica = (sql: string): Promise<void> =>
    withConnection(replica.url, async (client) => {
      await client.query(sql);
      await client.query('SELECT pg_reload_conf()');
    });

  beforeAll(async () => {
    primary = await waitForHealthyCluster(cluster);
    replica = cluster.nodes.find((node) => node !== primary)!;
    ({ head } = await projectRevisions());
    project = revisionsDirWith([
      { id: 'replay_a_add_column', parent: head, up: 'await sql`ALTER TABLE games ADD COLUMN replay_test integer`.execute(db);', down: 'await sql`ALTER TABLE games DROP COLUMN replay_test`.execute(db);' },
    ]);
    const migrated = await runCli(['upgrade', head], { env: env(), timeoutMs: 300_000 });
    expect(migrated.code, migrated.stderr).toBe(0);
    await withConnection(nodeUrl(primary, database), (client) => client.query('CREATE TABLE replay_ticks (n integer)'));
    await onReplica(`ALTER SYSTEM SET max_standby_streaming_delay = '${delayMs}ms'`);
  }, 300_000);
  afterAll(async () => {
    project?.cleanup();
    await onReplica('ALTER SYSTEM RESET max_standby_streaming_delay').catch(() => undefined);
  }, 300_000);

  it('the revision commits at once; the replica stalls replay for at most max_standby_streaming_delay, then ends the query', async () => {
    const report = await connectOnReplica(nodeUrl(replica, database));
    const reportEnded = new Promise<Error>((resolve) => report.on('error', resolve));
    const watcher = await connect(nodeUrl(primary, database));
    // The report's session shows the database exists on the replica: a new session can read it.
    const replicaHasColumn = (): Promise<boolean> =>
      withConnection(nodeUrl(replica, database), async (client) =>
        (await client.query(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'games'::regclass AND attname = 'replay_test'`)).rows[0].n === 1,
      );
    try {
      await waitFor(`${replica.name} at the project head`, async () => (await readHeads(report)).join() === head, 60_000);
      await report.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await report.query('SELECT count(*) FROM games'); // a long report: holds its lock on games until it ends

      const started = Date.now();
      const upgraded = await runCli(['upgrade', 'replay_a_add_column'], { env: env(), timeoutMs: 60_000 });
      expect(upgraded.code, upgraded.stderr).toBe(0);

      // The primary did not wait for the replica: there, replay waits behind the report, the new
      // column is not there yet, and the lag grows.
      expect(await replicaHasColumn()).toBe(false);
      await waitFor(`${replica.name}'s replay lag to grow`, async () => {
        await watcher.query('INSERT INTO replay_ticks VALUES (1)'); // WAL the replica receives but cannot replay yet
        const { rows } = await watcher.query(`SELECT extract(epoch FROM replay_lag) * 1000 AS ms FROM pg_stat_replication WHERE application_name = $1`, [replica.name]);
        return Number(rows[0]?.ms ?? 0) > 1_000;
      }, 10_000);

      // After max_standby_streaming_delay the replica ends the report and replays the rest.
      const error = await reportEnded;
      expect(error.message).toMatch(/conflict with recovery/);
      // A session opened while the replica replays may itself be ended by a conflict: look again.
      await waitFor(`${replica.name} replayed the revision`, () => replicaHasColumn().catch(() => false), 30_000);
      const stallMs = Date.now() - started;
      expect(stallMs, 'the stall ends within max_standby_streaming_delay (plus the replica\'s wake-up and this poll)').toBeLessThan(delayMs + 10_000);
    } finally {
      await Promise.all([disconnect(report).catch(() => undefined), disconnect(watcher)]);
    }
  }, 180_000);

  it('through the cluster\'s URL, refuses to start a revision while a replica could stall its replay past maxReplayStallMs (E_REPLICA_DELAY, nothing applied)', async () => {
    const hosts = cluster.nodes.map((node) => new URL(node.url).host).join(',');
    const { username, password } = new URL(primary.url);
    const clusterUrl = `postgresql://${username}:${password}@${hosts}/${database}?target_session_attrs=read-write`;
    const downgrade = (extra: NodeJS.ProcessEnv = {}) => runCli(['downgrade', head], { env: project.env(clusterUrl, extra), timeoutMs: 60_000 });
    const heads = (): Promise<string[]> => withConnection(nodeUrl(primary, database), readHeads);
    const replicaHost = new URL(replica.url).host;

    // The replica waits 3 s (set above): more than a bound of 1 s.
    const refused = await downgrade({ PLAY_LATER_MAX_REPLAY_STALL_MS: '1000' });
    expectCliError(refused, 'E_REPLICA_DELAY', 1);
    expect(refused.stderr).toContain(`${replicaHost} (max_standby_streaming_delay 3000 ms`);
    expect(await heads()).toEqual(['replay_a_add_column']);

    // -1 on the replica: a conflicting query would stall its replay for ever; the default bound (30 s) refuses it.
    await onReplica('ALTER SYSTEM SET max_standby_streaming_delay = -1');
    await waitFor('the replica to read its new setting', () =>
      withConnection(replica.url, async (client) => (await client.query(`SELECT setting FROM pg_settings WHERE name = 'max_standby_streaming_delay'`)).rows[0].setting === '-1'),
    );
    const forever = await downgrade();
    expectCliError(forever, 'E_REPLICA_DELAY', 1);
    expect(forever.stderr).toContain('max_standby_streaming_delay -1 (for ever)');
    expect(await heads()).toEqual(['replay_a_add_column']);

    // The check turned off on purpose: the run goes ahead.
    const allowed = await downgrade({ PLAY_LATER_MAX_REPLAY_STALL_MS: '-1' });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await heads()).toEqual([head]);
  }, 180_000);
});
