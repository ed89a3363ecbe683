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

interface PlanNode {
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
  await client.query(`LOAD 'auto_explain'`);
  await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
                      SET auto_explain.log_format = json; SET auto_explain.log_level = notice; SET client_min_messages = notice`);
  client.on('notice', onNotice);
  try {
    await client.query(sql, params as unknown[]);
  } finally {
    client.off('notice', onNotice);
    await client.query(`SET auto_explain.log_min_duration = -1; RESET client_min_messages`);
  }
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
