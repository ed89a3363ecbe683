import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { describeOnCluster, nodeUrl, waitForHealthyCluster, type ClusterNode } from '../support/ha-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The cluster itself (scripts/ci/start-ha-cluster.sh): one primary, two streaming replicas that
 * serve reads and refuse writes. Every test that uses the cluster lives in this file: test files
 * run in parallel, and a failover in one would pull the primary from under another.
 */
describeOnCluster('the HA test cluster', (cluster) => {
  const database = `plt_cluster_${randomBytes(4).toString('hex')}`;
  let primary: ClusterNode;
  beforeAll(async () => {
    primary = await waitForHealthyCluster(cluster);
    const admin = await connect(primary.url);
    await admin.query(`CREATE DATABASE ${database}`).finally(() => disconnect(admin));
  });
  afterAll(async () => {
    const admin = await connect((await waitForHealthyCluster(cluster)).url);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).finally(() => disconnect(admin));
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
      const reader = await connect(nodeUrl(replica, database));
      try {
        await waitFor(`row 42 on ${replica.name}`, async () => (await reader.query('SELECT id FROM replicated').catch(() => ({ rowCount: 0 }))).rowCount === 1);
        await expect(reader.query('INSERT INTO replicated VALUES (43)')).rejects.toThrow(/read-only transaction/);
      } finally {
        await disconnect(reader);
      }
    }
  });
});
