import type pg from 'pg';
import { LARGE_TABLES } from './queries.js';

export interface PlanSummary {
  /** Indexes the plan (and the plans of statements run inside functions) reads. */
  indexes: string[];
  /** Large tables read by a sequential scan. */
  seqScans: string[];
  /** Node types, outermost first, for the report. */
  nodes: string[];
}

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/**
 * Runs a query once with auto_explain logging every plan (nested ones too, so the query inside
 * search_games is seen, not just "Function Scan") to this client, and summarizes which indexes
 * serve it and whether a large table is read sequentially.
 */
export async function explainQuery(client: pg.Client, sql: string, params: readonly unknown[]): Promise<PlanSummary> {
  const plans: PlanNode[] = [];
  const onNotice = (notice: { message?: string }): void => {
    const text = notice.message ?? '';
    const start = text.indexOf('{');
    if (!text.includes('plan:') || start < 0) return;
    const parsed = JSON.parse(text.slice(start)) as { Plan: PlanNode };
    plans.push(parsed.Plan);
  };
  await logPlansToClient(client, { nested: true, format: 'json' });
  client.on('notice', onNotice);
  try {
    await client.query(sql, params as unknown[]);
  } finally {
    client.off('notice', onNotice);
    await stopLoggingPlans(client);
  }
  return summarizePlans(plans);
}

/** Which indexes the plans read and which large tables they scan sequentially. */
export function summarizePlans(plans: readonly PlanNode[]): PlanSummary {
  const summary: PlanSummary = { indexes: [], seqScans: [], nodes: [] };
  const walk = (node: PlanNode): void => {
    summary.nodes.push(node['Node Type'] + (node['Index Name'] ? ` using ${node['Index Name']}` : node['Relation Name'] ? ` on ${node['Relation Name']}` : ''));
    if (node['Index Name'] && !summary.indexes.includes(node['Index Name'])) summary.indexes.push(node['Index Name']);
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && LARGE_TABLES.includes(node['Relation Name'])) summary.seqScans.push(node['Relation Name']);
    node.Plans?.forEach(walk);
  };
  plans.forEach(walk);
  return summary;
}

/** auto_explain, logging every statement's plan and executor duration to this client as notices. */
export async function logPlansToClient(client: pg.Client, options: { nested: boolean; format: 'json' | 'text' }): Promise<void> {
  await client.query(`LOAD 'auto_explain'`);
  await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = ${options.nested ? 'on' : 'off'};
                      SET auto_explain.log_format = ${options.format}; SET auto_explain.log_level = notice; SET client_min_messages = notice`);
}

export async function stopLoggingPlans(client: pg.Client): Promise<void> {
  await client.query(`SET auto_explain.log_min_duration = -1; RESET client_min_messages`);
}

/**
 * Server-side executor time of each query run on this client (auto_explain's "duration"): what the
 * database itself spends, without the client's scheduling on a busy machine. The duration is the
 * one logged for this query's text (NaN if none was). `around` runs the query inside statements of
 * the caller's (a transaction that sets a role first): there the plan is logged only when the
 * query's portal closes, at the next statement, so the time is read once `around` has finished.
 */
export async function serverTimer(client: pg.Client): Promise<{
  time(sql: string, params: readonly unknown[], around?: (run: () => Promise<unknown>) => Promise<void>): Promise<number>;
  stop(): Promise<void>;
}> {
  await logPlansToClient(client, { nested: false, format: 'text' });
  let wanted = '';
  let last = Number.NaN;
  const onNotice = (notice: { message?: string }): void => {
    const match = /duration: ([\d.]+) ms/.exec(notice.message ?? '');
    if (match && notice.message!.includes(wanted)) last = Number(match[1]);
  };
  client.on('notice', onNotice);
  return {
    async time(sql, params, around = async (run) => void (await run())) {
      wanted = sql.trim().slice(0, 60);
      last = Number.NaN;
      await around(() => client.query(sql, params as unknown[]));
      return last;
    },
    async stop() {
      client.off('notice', onNotice);
      await stopLoggingPlans(client);
    },
  };
}
