import { createHash } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { migrateTo } from '../support/migrate.js';
import { SEED_SESSIONS, createSeedEraDatabase } from '../support/seed-era-data.js';
import type { TestDatabase } from '../support/test-database.js';
import { loadProjectGraph } from '../support/template-databases.js';

const REVISION = '011_hash_stored_session_ids';
const PARENT = '010_drop_duplicate_igdb_id_index';
let graph: RevisionGraph;
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  graph = await loadProjectGraph();
  ({ database, client } = await createSeedEraDatabase(graph, PARENT));
});
afterAll(async () => database?.drop());

interface SessionRow {
  session_id: string;
  user_id: string;
  access_token: string;
  refresh_token: string;
  expired: boolean;
}
const sessions = async (): Promise<SessionRow[]> =>
  (
    await client.query<SessionRow>(
      `SELECT session_id, user_id, access_token, refresh_token, expires_at <= now() AS expired FROM user_sessions ORDER BY session_id`,
    )
  ).rows;

describe(REVISION, () => {
  it('replaces each stored id by its SHA-256, clears and expires the tokens, and reports how many rows changed', async () => {
    expect((await sessions()).map((s) => s.session_id).sort()).toEqual(SEED_SESSIONS.map((s) => s.sessionId).sort());

    const logged = await migrateTo(client, graph, REVISION);

    expect(logged).toContain(`011: ${SEED_SESSIONS.length} session(s) re-keyed by the SHA-256 of their id, tokens cleared and expired: those users sign in again`);
    const hashed = SEED_SESSIONS.map((s) => ({
      session_id: createHash('sha256').update(s.sessionId, 'utf8').digest('hex'),
      user_id: s.userId,
      access_token: '',
      refresh_token: '',
      expired: true,
    })).sort((a, b) => a.session_id.localeCompare(b.session_id));
    expect(await sessions()).toEqual(hashed);
    const { rows } = await client.query<{ leaked: number }>(
      `SELECT count(*)::int AS leaked FROM user_sessions s WHERE s.session_id = ANY($1) OR s.access_token LIKE '%sess-%' OR s.refresh_token LIKE '%sess-%'`,
      [SEED_SESSIONS.map((x) => x.sessionId)],
    );
    expect(rows).toEqual([{ leaked: 0 }]);
    const { rows: cleaned } = await client.query<{ removed: number }>(`SELECT cleanup_expired_sessions() AS removed`);
    expect(cleaned).toEqual([{ removed: SEED_SESSIONS.length }]);
  });

  it('documents the stored format in the column comments, and down removes them', async () => {
    const comment = async (column: string): Promise<string | null> =>
      (await client.query<{ comment: string | null }>(`SELECT col_description('user_sessions'::regclass, attnum) AS comment FROM pg_attribute WHERE attrelid = 'user_sessions'::regclass AND attname = $1`, [column])).rows[0]!.comment;
    expect(await comment('session_id')).toMatch(/SHA-256/);
    expect(await comment('access_token')).toMatch(/AES-256-GCM/);
    expect(await comment('refresh_token')).toMatch(/AES-256-GCM/);
    await migrateTo(client, graph, PARENT);
    expect(await comment('session_id')).toBeNull();
  });
});
