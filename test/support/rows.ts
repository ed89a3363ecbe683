/**
 * Rows for schema tests, written with plain SQL (as another client of the database would), with
 * valid defaults that each test overrides with the value it is about.
 */
import type pg from 'pg';

type Values = Record<string, unknown>;

/** INSERT … RETURNING *, with parameters. */
export async function insertRow<R extends pg.QueryResultRow = Record<string, any>>(
  client: pg.Client,
  table: string,
  values: Values,
): Promise<R> {
  const columns = Object.keys(values);
  const placeholders = columns.map((_, index) => `$${index + 1}`);
  const result = await client.query<R>(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING *`,
    Object.values(values),
  );
  return result.rows[0]!;
}

export async function insertGame(client: pg.Client, values: Values = {}): Promise<string> {
  return (await insertRow(client, 'games', { title: 'A Game', ...values })).id as string;
}

export async function insertCollection(client: pg.Client, values: Values & { game_id: string }): Promise<string> {
  const row = await insertRow(client, 'user_game_collection', {
    user_id: 'user-1',
    platform: 'PS5',
    acquisition_type: 'DIGITAL',
    acquired_at: '2024-01-01T00:00:00Z',
    ...values,
  });
  return row.id as string;
}

export async function insertPlaythrough(client: pg.Client, values: Values & { game_id: string }): Promise<string> {
  const row = await insertRow(client, 'game_playthrough', { user_id: 'user-1', status: 'PLAYING', platform: 'PS5', ...values });
  return row.id as string;
}

export async function insertSession(client: pg.Client, values: Values & { session_id: string; expires_at: string }): Promise<void> {
  await insertRow(client, 'user_sessions', { user_id: 'user-1', access_token: 'access', refresh_token: 'refresh', ...values });
}

/**
 * The name of the constraint a statement violates (pg's error.constraint). Fails when the statement
 * succeeds or fails for another reason, so a test cannot pass by accident.
 */
export async function violatedConstraint(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string };
    if (code?.startsWith('23') && constraint) return constraint;
    throw new Error(`expected a constraint violation, got ${code ?? 'no SQLSTATE'}: ${message}`, { cause: error });
  }
  throw new Error('expected a constraint violation, but the statement succeeded');
}
