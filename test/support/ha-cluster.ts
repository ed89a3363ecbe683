/**
 * The high-availability cluster the scale-out tests run on: etcd and three Patroni-managed
 * PostgreSQL 15 nodes, started by scripts/ci/start-ha-cluster.sh, which exports the variables
 * below. Under CI=true a missing variable is a failing test naming it; elsewhere a skipped one.
 * The helpers drive the real cluster: Patroni's REST API for roles and lag, patronictl for a
 * switchover, kill -9 for a hard failover, the node's own start script to bring it back.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { withDatabase } from '../../src/db/database-url.js';
import { describeMissing } from './servers.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

export const CLUSTER_VARIABLES = {
  urls: 'PLAY_LATER_TEST_CLUSTER_URLS',
  rest: 'PLAY_LATER_TEST_CLUSTER_REST',
  patroni: 'PLAY_LATER_TEST_CLUSTER_PATRONI',
  dir: 'PLAY_LATER_TEST_CLUSTER_DIR',
} as const;

export interface ClusterNode {
  /** Patroni's member name: node1, node2, node3. */
  name: string;
  /** Direct superuser URL, database "postgres". */
  url: string;
  rest: string;
  /** The node's folder: patroni.yml, patroni.pid, data/, start.sh. */
  dir: string;
}

export interface TestCluster {
  nodes: ClusterNode[];
  /** patronictl's configuration file. */
  patroniConfig: string;
}

export function testCluster(env: NodeJS.ProcessEnv = process.env): TestCluster | undefined {
  const [urls, rests, patroniConfig, dir] = [env[CLUSTER_VARIABLES.urls], env[CLUSTER_VARIABLES.rest], env[CLUSTER_VARIABLES.patroni], env[CLUSTER_VARIABLES.dir]];
  if (!urls || !rests || !patroniConfig || !dir) return undefined;
  const restList = rests.split(' ');
  const nodes = urls.split(' ').map((url, index) => ({ name: `node${index + 1}`, url, rest: restList[index]!, dir: path.join(dir, `node${index + 1}`) }));
  return { nodes, patroniConfig };
}

/** Runs `suite` on the cluster, or records why it cannot (see describeMissing). */
export function describeOnCluster(title: string, suite: (cluster: TestCluster) => void): void {
  const cluster = testCluster();
  if (cluster) {
    describe(`${title} [Patroni cluster, 3 × PostgreSQL 15]`, () => suite(cluster));
    return;
  }
  const missing = Object.values(CLUSTER_VARIABLES).filter((name) => !process.env[name]);
  describeMissing(title, missing.join(' and '), 'docs/scale-out.md, "The test cluster"; source scripts/ci/start-ha-cluster.sh');
}

interface Member {
  name: string;
  role: string;
  state: string;
  timeline?: number;
  lag?: number | string;
}

/** The members as Patroni sees them, asked of the first node that answers. */
export async function clusterMembers(cluster: TestCluster): Promise<Member[]> {
  for (const node of cluster.nodes) {
    try {
      const response = await fetch(`${node.rest}/cluster`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return ((await response.json()) as { members: Member[] }).members;
    } catch {
      // That node is down: ask the next.
    }
  }
  throw new Error('no Patroni node answers /cluster');
}

const nodeNamed = (cluster: TestCluster, name: string): ClusterNode => cluster.nodes.find((node) => node.name === name)!;

/** The running leader, once there is one (other than `not`, when given). */
export async function waitForPrimary(cluster: TestCluster, options: { not?: string; limitMs?: number } = {}): Promise<ClusterNode> {
  const leader = await waitFor(
    `a Patroni leader${options.not ? ` other than ${options.not}` : ''}`,
    async () => {
      const members = await clusterMembers(cluster).catch(() => []);
      return members.find((member) => member.role === 'leader' && member.state === 'running' && member.name !== options.not);
    },
    options.limitMs ?? 90_000,
  );
  return nodeNamed(cluster, leader.name);
}

/** Waits until all three nodes run, one leader and two replicas streaming with no lag. */
export async function waitForHealthyCluster(cluster: TestCluster, limitMs = 180_000): Promise<ClusterNode> {
  await waitFor(
    'a leader and two streaming replicas without lag',
    async () => {
      const members = await clusterMembers(cluster).catch(() => []);
      const leader = members.find((member) => member.role === 'leader' && member.state === 'running');
      // A replica left on an older timeline (not rewound) reports no lag but replays nothing.
      const replicas = members.filter(
        (member) => member.role === 'replica' && ['running', 'streaming'].includes(member.state) && Number(member.lag ?? 0) === 0 && member.timeline === leader?.timeline,
      );
      return leader !== undefined && replicas.length === cluster.nodes.length - 1;
    },
    limitMs,
  );
  return waitForPrimary(cluster);
}

async function asServerUser(command: string, args: readonly string[]): Promise<string> {
  const [file, fileArgs] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
  const { stdout } = await run(file, fileArgs, { timeout: 120_000 });
  return stdout;
}

/** A planned change of primary: `patronictl switchover --force` (Patroni picks the candidate). */
export async function switchover(cluster: TestCluster): Promise<void> {
  const leader = await waitForPrimary(cluster);
  await asServerUser('patronictl', ['-c', cluster.patroniConfig, 'switchover', '--leader', leader.name, '--force']);
}

/**
 * A crash of the primary's machine: kill -9 of its Patroni and its postmaster, so that nothing
 * shuts down cleanly and the leader key expires (ttl) before a replica is promoted.
 */
export function killNode(node: ClusterNode): void {
  const patroni = Number(readFileSync(path.join(node.dir, 'patroni.pid'), 'utf8').trim());
  const postmaster = Number(readFileSync(path.join(node.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(patroni, 'SIGKILL');
  process.kill(postmaster, 'SIGKILL');
}

/** Starts a killed node's Patroni again: it rejoins as a replica of the new primary (pg_rewind). */
export async function restartNode(node: ClusterNode): Promise<void> {
  await asServerUser('sh', [path.join(node.dir, 'start.sh')]);
}

/** A node's URL for one database. */
export const nodeUrl = (node: ClusterNode, database: string): string => withDatabase(node.url, database);
