import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { isPlayLaterError, messageOf } from '../errors.js';
import { Migrator } from '../runner/migrator.js';
import { checksumMismatch } from '../runner/revision-history.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { readHeads, VERSION_TABLE } from '../runner/version-table.js';
import { describeSchema } from '../schema/describe-schema.js';
import { GENERATE_COMMAND } from '../schema/schema-file.js';
import type { RoleNames } from '../security/roles.js';
import { probeLeastPrivilege } from './verify-security.js';
import { plural } from '../plural.js';

/** The seed's health check (scripts/verify_migration.py) required these. */
export const REQUIRED_TABLES = ['games', 'user_game_collection', 'game_playthrough', 'user_sessions'] as const;
export const CRITICAL_INDEXES = ['idx_collection_user_id', 'idx_playthrough_user_status', 'idx_games_title_search'] as const;

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failed check, when it says. */
  hint?: string;
}

export interface VerifyReport {
  ok: boolean;
  heads: string[];
  checks: VerifyCheck[];
}

/**
 * Everything the seed's verify_migration.py meant to check (tables, critical indexes, a write that
 * is rolled back), plus: the version table is consistent with the revision files; no applied
 * revision's file was edited since it ran (checksums); at head, every
 * function, trigger and view of the committed schema description is there, and the live schema is
 * exactly that description (no drift), and the app and read-only roles can do no more than they
 * should (verify-security.ts). Each check reports on its own; none stops the others.
 */
export async function verifyDatabase(client: pg.Client, graph: RevisionGraph, schemaFile: string, roles: Partial<RoleNames> = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const check = async (name: string, run: () => Promise<string>): Promise<void> => {
    try {
      checks.push({ name, ok: true, detail: await run() });
    } catch (error) {
      checks.push({ name, ok: false, detail: messageOf(error), ...(isPlayLaterError(error) && error.hint ? { hint: error.hint } : {}) });
    }
  };
  const heads = await readHeads(client);

  await check('tables', async () => {
    const found = await names(client, `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`);
    return expectAll('table', REQUIRED_TABLES, found);
  });
  await check('critical indexes', async () => {
    // An INVALID index (left by a failed CREATE INDEX CONCURRENTLY) serves no query: it counts as missing.
    const found = await names(client, `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND i.indisvalid`);
    return expectAll('valid index', CRITICAL_INDEXES, found);
  });
  // A standby accepts no write, not even one rolled back: the two checks that write say so there
  // and pass. The rest applies (catalog, roles and policies are the primary's, replicated), so
  // verify checks every node of a cluster; the writes are checked on the primary.
  const standby = (await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby')).rows[0]!.standby;
  const onPrimary = (run: () => Promise<string>) => (standby ? async () => STANDBY_SKIP : run);
  await check('smoke write (rolled back)', onPrimary(() => smokeWrite(client)));
  await check('version table', () => checkVersionTable(client, graph, heads));
  await check('revision checksums', async () => {
    if (heads.some((id) => !graph.byId.has(id))) return 'not compared: the version table names revision(s) no file defines (see "version table")';
    const { edited, unrecorded } = await new Migrator({ graph, client }).status();
    if (edited.length > 0) throw checksumMismatch(edited.map((e) => graph.get(e.revision)));
    const adoptedLater = unrecorded.length > 0 ? `; ${unrecorded.length} without a recorded checksum yet (recorded by the next upgrade)` : '';
    return `the applied revisions' files are as they were applied${adoptedLater}`;
  });
  let atHead = false;
  await check('at head', async () => {
    const { pending } = await new Migrator({ graph, client }).status(); // throws, naming them, on revisions no file defines
    if (pending.length > 0) throw new Error(`the database is at ${heads.join(', ') || 'base (empty)'}; pending: ${pending.join(', ')}. Run \`play-later-db upgrade head\`.`);
    atHead = true;
    return `at ${heads.join(', ')}`;
  });
  if (!atHead) return report(heads, checks);

  const committed = readCommittedDescription(schemaFile, heads);
  await check('functions, triggers and views', async () => {
    const expected = expectedObjects(await committed);
    const found = await names(
      client,
      `SELECT 'function ' || p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
       UNION SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
       UNION SELECT 'view ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')`,
    );
    const missing = expected.filter((name) => !found.has(name));
    if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
    return `${expected.length} present`;
  });
  await check('no drift from the committed schema', async () => {
    const live = (await describeSchema(client, { roles })).trim();
    const expected = (await committed).trim();
    if (live === expected) return `identical to ${schemaFile}`;
    throw new Error(`the live schema differs from ${schemaFile}:\n${lineDiff(expected, live)}`);
  });
  await check('least privilege (probed as the app and read-only roles)', onPrimary(() => probeLeastPrivilege(client, roles)));
  return report(heads, checks);
}

function report(heads: string[], checks: VerifyCheck[]): VerifyReport {
  return { ok: checks.every((c) => c.ok), heads, checks };
}

async function names(client: pg.Client, query: string): Promise<Set<string>> {
  return new Set((await client.query<{ name: string }>(query)).rows.map((row) => row.name));
}

function expectAll(kind: string, expected: readonly string[], found: Set<string>): string {
  const missing = expected.filter((name) => !found.has(name));
  if (missing.length > 0) throw new Error(`missing ${kind}(s): ${missing.join(', ')}`);
  return expected.join(', ');
}

const STANDBY_SKIP = 'skipped: this server is a standby (read-only); run verify on the primary for this check';

/** The seed's smoke test, done right: its own transaction, always rolled back, with a unique title. */
async function smokeWrite(client: pg.Client): Promise<string> {
  const title = `play-later-db verify ${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await client.query('BEGIN');
  try {
    await client.query('INSERT INTO games (title) VALUES ($1)', [title]);
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM games WHERE title = $1', [title]);
    if (rows[0]!.n !== 1) throw new Error(`inserted one game, read back ${rows[0]!.n}`);
  } finally {
    await client.query('ROLLBACK');
  }
  return 'inserted and read back a game, rolled back';
}

/** Every row names a known revision, and the rows are exactly the heads of what is applied. */
async function checkVersionTable(client: pg.Client, graph: RevisionGraph, heads: string[]): Promise<string> {
  if (heads.length === 0) throw new Error(`${VERSION_TABLE} is missing or empty: the database is not managed by play-later-db (or is at base).`);
  const unknown = heads.filter((id) => !graph.byId.has(id));
  if (unknown.length > 0) throw new Error(`${VERSION_TABLE} names revision(s) no file defines: ${unknown.join(', ')}`);
  const implied = graph.headsOf(graph.appliedFrom(heads));
  const redundant = heads.filter((id) => !implied.includes(id));
  if (redundant.length > 0) throw new Error(`${VERSION_TABLE} lists ${redundant.join(', ')}, an ancestor of another row: it must hold only heads.`);
  return `${plural(heads.length, 'row')}: ${heads.join(', ')}`;
}

/**
 * The committed description, without its comment header (written by `play-later-db generate`);
 * a file that describes other revisions than the database's heads is stale, and says so.
 */
async function readCommittedDescription(schemaFile: string, heads: readonly string[]): Promise<string> {
  if (!existsSync(schemaFile)) throw new Error(`${schemaFile} does not exist: run \`${GENERATE_COMMAND}\` and commit it.`);
  const text = readFileSync(schemaFile, 'utf8');
  const described = /^-- .* at head \(([^)]*)\)/.exec(text)?.[1];
  if (described !== undefined && described !== heads.join(', ')) {
    throw new Error(`${schemaFile} is stale: it describes ${described}, the revisions' head is ${heads.join(', ')}. Run \`${GENERATE_COMMAND}\` and commit it.`);
  }
  return text.replace(/^(?:--[^\n]*\n)+\n?/, '');
}

/** The function, trigger and view names a description declares, e.g. "function search_games". */
export function expectedObjects(description: string): string[] {
  const found = new Set<string>();
  for (const match of description.matchAll(/^CREATE (?:OR REPLACE )?FUNCTION (?:\w+\.)?"?([^"(\s]+)"?\(/gm)) found.add(`function ${match[1]}`);
  for (const match of description.matchAll(/^CREATE (?:CONSTRAINT )?TRIGGER "?([^"\s]+)"? /gm)) found.add(`trigger ${match[1]}`);
  for (const match of description.matchAll(/^CREATE (?:MATERIALIZED )?VIEW "?([^"\s]+)"? AS/gm)) found.add(`view ${match[1]}`);
  return [...found].sort();
}

/** The lines only in one of the two texts (at most 20), enough to see what drifted. */
function lineDiff(expected: string, live: string): string {
  const expectedLines = new Set(expected.split('\n'));
  const liveLines = new Set(live.split('\n'));
  const lines = [
    ...[...expectedLines].filter((l) => !liveLines.has(l)).map((l) => `- ${l}`),
    ...[...liveLines].filter((l) => !expectedLines.has(l)).map((l) => `+ ${l}`),
  ];
  return `${lines.slice(0, 20).join('\n')}${lines.length > 20 ? `\n… ${plural(lines.length - 20, 'more line')}` : ''}\n(- committed, + live)`;
}
