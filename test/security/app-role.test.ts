/**
 * What the app and read-only roles can do, tried as them: logged in as a member of each role (the
 * test logins of test/support/role-logins.ts), on every test server (PostgreSQL 18, 15, and through
 * PgBouncer in transaction mode, where SET LOCAL is the only way a setting reaches the query).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { hashSessionToken } from '../../src/repositories/sessions.repository.js';
import { expectCliError } from '../support/expect-cli.js';
import { urlAs } from '../support/role-logins.js';
import { runCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const A = 'user-a';
const B = 'user-b';
const PER_USER_TABLES = ['user_game_collection', 'game_playthrough', 'user_game_stats', 'user_sessions'] as const;
const PER_USER_RELATIONS = [...PER_USER_TABLES, 'active_collection', 'playthrough_summary'] as const;
const TOKEN = { [A]: 'token-of-user-a', [B]: 'token-of-user-b' };

/** Each user: a game in the collection, a playthrough, stats and a session. */
async function seed(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ id: string }>("INSERT INTO games (title) VALUES ('Hollow Knight'), ('Celeste') RETURNING id");
  for (const [user, game] of [[A, rows[0]!.id], [B, rows[1]!.id]] as const) {
    const entry = await admin.query<{ id: string }>(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at) VALUES ($1, $2, 'PS5', 'DIGITAL', now() - interval '1 day') RETURNING id`,
      [user, game],
    );
    await admin.query(`INSERT INTO game_playthrough (user_id, game_id, collection_id, status, platform) VALUES ($1, $2, $3, 'PLAYING', 'PS5')`, [user, game, entry.rows[0]!.id]);
    await admin.query(`INSERT INTO user_sessions (session_id, user_id, access_token, refresh_token, expires_at) VALUES ($1, $2, '', '', now() - interval '1 hour')`, [hashSessionToken(TOKEN[user]), user]);
  }
  await admin.query('SELECT refresh_user_stats()');
}

/** Runs statements in one transaction acting for `user` (none: null), always rolled back. */
async function inTransaction<T>(client: pg.Client, user: string | null, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    if (user !== null) await client.query("SELECT set_config('play_later.user_id', $1, true)", [user]);
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}

/** The SQLSTATE a statement fails with, or 'ok' (inside a savepoint, so the transaction goes on). */
async function outcome(client: pg.Client, statement: string, values: unknown[] = []): Promise<string> {
  const inside = await client.query('SELECT now() = statement_timestamp() AS outside').then((r) => !r.rows[0].outside);
  if (inside) await client.query('SAVEPOINT probe');
  const result = await client.query(statement, values).then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? 'unknown',
  );
  if (inside) await client.query(result === 'ok' ? 'RELEASE SAVEPOINT probe' : 'ROLLBACK TO SAVEPOINT probe');
  return result;
}

async function usersSeen(client: pg.Client, relation: string): Promise<string[]> {
  const { rows } = await client.query<{ user_id: string }>(`SELECT DISTINCT user_id FROM ${relation} ORDER BY 1`);
  return rows.map((row) => row.user_id);
}

describeOnEachServer('least privilege, as the app and read-only roles', (server) => {
  let database: TestDatabase;
  let admin: pg.Client;
  let app: pg.Client;
  let readonly: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase({ from: 'head', server });
    admin = await connect(database.directUrl);
    await seed(admin);
    app = await connect(urlAs(database.url, 'app'));
    readonly = await connect(urlAs(database.url, 'readonly'));
  });
  afterAll(async () => {
    await Promise.all([disconnect(app), disconnect(readonly), disconnect(admin)]);
    await database?.drop();
  });

  it('the app role cannot create, alter, drop or truncate anything, nor write the bookkeeping tables, nor become the owner', async () => {
    const refused = [
      'CREATE TABLE rogue (id integer)',
      'CREATE VIEW rogue AS SELECT 1',
      'CREATE FUNCTION rogue() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$',
      'CREATE INDEX rogue ON user_game_collection (notes)',
      'ALTER TABLE games ADD COLUMN rogue integer',
      'ALTER TABLE user_game_collection DISABLE ROW LEVEL SECURITY',
      "CREATE POLICY rogue ON user_game_collection USING (true)",
      'DROP POLICY user_rows ON user_game_collection',
      'ALTER VIEW active_collection RESET (security_invoker)',
      'DROP VIEW active_collection',
      'DROP TABLE games',
      'DROP FUNCTION search_games(text, character varying, integer)',
      'TRUNCATE games',
      ...PER_USER_TABLES.map((table) => `TRUNCATE ${table}`),
      "INSERT INTO alembic_version VALUES ('999_rogue')",
      'UPDATE alembic_version SET version_num = version_num',
      'DELETE FROM alembic_version',
      'SELECT * FROM play_later_revision_history',
      'DELETE FROM play_later_revision_history',
      'SET ROLE play_later_owner',
      // The search order's upkeep reads every user's collection: the owner's job (revision 016).
      'SELECT refresh_game_search_order()',
      'SELECT game_owner_class(gen_random_uuid())',
      "UPDATE game_search_buckets SET first_title = 'rogue'",
      'DELETE FROM game_search_buckets',
    ];
    const outcomes = await inTransaction(app, A, async () => {
      const found: Record<string, string> = {};
      for (const statement of refused) found[statement] = await outcome(app, statement);
      return found;
    });
    expect(outcomes).toEqual(Object.fromEntries(refused.map((statement) => [statement, '42501'])));
  });

  it('`current` works as the app role (it reads alembic_version), saying what it could not check without the history table; a read-only login gets the missing privilege named', async () => {
    const result = await runCli(['current', '--json'], { env: { DATABASE_URL: urlAs(database.url, 'app') } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, atHead: true, historyRead: false, unfinished: [], edited: [] });
    expect(result.stderr).toContain('This role may not read play_later_revision_history: applied revisions were not compared with their files');
    const denied = await runCli(['current'], { env: { DATABASE_URL: urlAs(database.url, 'readonly') } });
    expectCliError(denied, 'E_DATABASE', 1);
    expect(denied.stderr).toContain('permission denied for table alembic_version');
    expect(denied.stderr).toContain('hint: The role of DATABASE_URL lacks that privilege');
  });

  it("acting for user A, it reads only A's rows of every per-user table and view, and no one else's", async () => {
    await inTransaction(app, A, async () => {
      for (const relation of PER_USER_RELATIONS) expect(await usersSeen(app, relation), relation).toEqual([A]);
      for (const relation of PER_USER_RELATIONS) {
        const { rows } = await app.query(`SELECT * FROM ${relation} WHERE user_id = $1`, [B]);
        expect(rows, relation).toEqual([]);
      }
      // Through search_games: `owned` for B reads B's collection, which A cannot see.
      const search = await app.query<{ title: string; owned: boolean }>("SELECT title, owned FROM search_games('celeste', $1)", [B]);
      expect(search.rows).toEqual([{ title: 'Celeste', owned: false }]);
      expect((await app.query("SELECT owned FROM search_games('hollow', $1)", [A])).rows).toEqual([{ owned: true }]);
    });
  });

  it("acting for user A, it cannot update, delete or insert B's rows, nor move its own rows to B", async () => {
    await inTransaction(app, A, async () => {
      for (const table of PER_USER_TABLES) {
        expect((await app.query(`UPDATE ${table} SET user_id = user_id WHERE user_id = $1`, [B])).rowCount, `update ${table}`).toBe(0);
        expect((await app.query(`DELETE FROM ${table} WHERE user_id = $1`, [B])).rowCount, `delete ${table}`).toBe(0);
        expect(await outcome(app, `UPDATE ${table} SET user_id = $1 WHERE user_id = $2`, [B, A]), `move ${table} to B`).toBe('42501');
      }
      const game = (await app.query<{ id: string }>("SELECT id FROM games WHERE title = 'Celeste'")).rows[0]!.id;
      expect(
        await outcome(app, `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at) VALUES ($1, $2, 'PC', 'DIGITAL', now())`, [B, game]),
      ).toBe('42501');
      expect(await outcome(app, `INSERT INTO game_playthrough (user_id, game_id, status, platform) VALUES ($1, $2, 'PLANNING', 'PC')`, [B, game])).toBe('42501');
      expect(await outcome(app, `INSERT INTO user_sessions (session_id, user_id, access_token, refresh_token, expires_at) VALUES ('x', $1, '', '', now())`, [B])).toBe('42501');
      expect(await outcome(app, `INSERT INTO user_game_stats SELECT $1, 0,0,0,0,0,0,0,0,0,0,NULL,NULL,0,NULL`, [B])).toBe('42501');
      // The stats functions run with the caller's rights: for A they see none of B's rows, so they change none.
      await app.query('SELECT refresh_user_stats($1)', [B]);
      await app.query('SELECT refresh_user_stats()');
      expect(await app.query('SELECT cleanup_expired_sessions() AS n').then((r) => r.rows[0].n)).toBe(1);
    });
    const { rows } = await admin.query('SELECT user_id, total_games FROM user_game_stats ORDER BY 1');
    expect(rows).toEqual([
      { user_id: A, total_games: '1' },
      { user_id: B, total_games: '1' },
    ]);
  });

  it('with no user set (or an empty one), it reads no per-user row, and search_games owns nothing', async () => {
    for (const user of [null, '']) {
      await inTransaction(app, user, async () => {
        for (const relation of PER_USER_RELATIONS) expect(await usersSeen(app, relation), `${relation} with user ${JSON.stringify(user)}`).toEqual([]);
        expect((await app.query("SELECT owned FROM search_games('hollow', $1)", [A])).rows).toEqual([{ owned: false }]);
        expect((await app.query('DELETE FROM user_game_collection')).rowCount).toBe(0);
      });
    }
    // Outside any transaction too: a SET LOCAL of an earlier transaction is gone.
    for (const relation of PER_USER_RELATIONS) expect(await usersSeen(app, relation)).toEqual([]);
  });

  it("presenting a session token's hash reaches that session's row only", async () => {
    await app.query('BEGIN');
    try {
      await app.query("SELECT set_config('play_later.session_id', $1, true)", [hashSessionToken(TOKEN[A])]);
      expect(await usersSeen(app, 'user_sessions')).toEqual([A]);
      expect(await usersSeen(app, 'user_game_collection')).toEqual([]);
    } finally {
      await app.query('ROLLBACK');
    }
  });

  it('the read-only role reads every user but cannot write anything, nor read sessions', async () => {
    await inTransaction(readonly, null, async () => {
      for (const relation of PER_USER_RELATIONS.filter((r) => r !== 'user_sessions')) expect(await usersSeen(readonly, relation), relation).toEqual([A, B]);
      const writes = [
        "INSERT INTO games (title) VALUES ('rogue')",
        "UPDATE games SET title = title",
        'DELETE FROM games',
        ...PER_USER_TABLES.flatMap((table) => [`UPDATE ${table} SET user_id = user_id`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]),
        'SELECT refresh_user_stats()',
        'SELECT refresh_game_search_order()',
        'SELECT cleanup_expired_sessions()',
        'SELECT * FROM user_sessions',
        'CREATE TABLE rogue (id integer)',
        'UPDATE alembic_version SET version_num = version_num',
      ];
      const outcomes: Record<string, string> = {};
      for (const statement of writes) outcomes[statement] = await outcome(readonly, statement);
      expect(outcomes).toEqual(Object.fromEntries(writes.map((statement) => [statement, '42501'])));
    });
    // It searches (analytics), every user's `owned` readable.
    expect((await readonly.query("SELECT title, owned FROM search_games('hollow', $1)", [A])).rows).toEqual([{ title: 'Hollow Knight', owned: true }]);
  });
});

describe('least privilege, the plans', () => {
  it('the policies keep the user_id indexes (the user is compared as a constant)', async () => {
    const database = await createTestDatabase({ from: 'head' });
    try {
      const admin = await connect(database.directUrl);
      await seed(admin);
      // Enough rows that a sequential scan would cost more than the index.
      await admin.query(`INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
                         SELECT 'filler-' || n, (SELECT id FROM games LIMIT 1), 'PS5', 'DIGITAL', now() - interval '1 day' FROM generate_series(1, 5000) n`);
      await admin.query('ANALYZE user_game_collection');
      await disconnect(admin);
      const app = await connect(urlAs(database.url, 'app'));
      try {
        const plan = await inTransaction(app, A, async () =>
          (await app.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT * FROM user_game_collection WHERE is_active')).rows.map((row) => row['QUERY PLAN']).join('\n'),
        );
        expect(plan).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
        expect(plan).toMatch(/idx_collection_|user_game_collection_pkey/); // 014 leads the primary key with user_id
        expect(plan).not.toMatch(/Seq Scan on user_game_collection/);
      } finally {
        await disconnect(app);
      }
    } finally {
      await database.drop();
    }
  });
});
