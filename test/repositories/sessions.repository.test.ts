import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayLaterError } from '../../src/errors.js';
import { SESSION_KEYS_VARIABLE, loadSessionKeyring, type SessionKeyring } from '../../src/repositories/session-keys.js';
import {
  cleanupExpiredSessions,
  createSession,
  hashSessionToken,
  reencryptSessions,
  revokeSession,
  revokeUserSessions,
  touchSession,
  validateSession,
} from '../../src/repositories/sessions.repository.js';
import { createRepositoryTestDatabase, type RepositoryTestDatabase } from '../support/repository-database.js';

const keyEntry = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;
const OLD_KEY = keyEntry('k1');
const NEW_KEY = keyEntry('k2');
const keyring = (value: string): SessionKeyring => loadSessionKeyring({ [SESSION_KEYS_VARIABLE]: value });
const hour = 3_600_000;

let t: RepositoryTestDatabase;
beforeAll(async () => {
  t = await createRepositoryTestDatabase();
});
afterAll(async () => t.close());

const tableText = async (): Promise<string> =>
  JSON.stringify(await t.maintenance.selectFrom('user_sessions').selectAll().execute());

describe('sessions repository', () => {
  const secrets = { access_token: 'ACCESS-eyJhbGciOiJSUzI1NiJ9.secret', refresh_token: 'REFRESH-opaque-secret' };

  it('stores only the hash of the token and the tokens encrypted, and validates', async () => {
    const keys = keyring(OLD_KEY);
    const { token } = await createSession(t.db, keys, { user_id: 'gina', ...secrets, expires_at: new Date(Date.now() + hour) });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await tableText();
    for (const clear of [token, secrets.access_token, secrets.refresh_token, 'ACCESS', 'REFRESH']) expect(stored).not.toContain(clear);
    const row = await t.maintenance.selectFrom('user_sessions').selectAll().where('user_id', '=', 'gina').executeTakeFirstOrThrow();
    expect(row.session_id).toBe(hashSessionToken(token));
    expect(row.access_token).toMatch(/^v1:k1:/);
    expect(await validateSession(t.db, keys, token)).toMatchObject({ user_id: 'gina', ...secrets });
    // Another token of the same form (the last character changed; it was 'A' in one run of 16).
    const other = `${token.slice(0, -1)}${token.endsWith('A') ? 'E' : 'A'}`;
    expect(await validateSession(t.db, keys, other)).toBeUndefined();
    expect(await validateSession(t.db, keys, 'short')).toBeUndefined();
    // A ciphertext moved to another column (or row) does not decrypt: it is bound to its place.
    await t.maintenance.updateTable('user_sessions').set({ refresh_token: row.access_token }).where('session_id', '=', row.session_id).execute();
    await expect(validateSession(t.db, keys, token)).rejects.toMatchObject({ code: 'E_TOKEN_INVALID' });
    expect(await revokeSession(t.db, token)).toBe(true);
  });

  it('refuses a stored value whose GCM tag was cut short or altered (E_TOKEN_INVALID), and still reads the intact one', async () => {
    const keys = keyring(OLD_KEY);
    const { token } = await createSession(t.db, keys, { user_id: 'tag-check', ...secrets, expires_at: new Date(Date.now() + hour) });
    const sessionId = hashSessionToken(token);
    const { access_token: intact } = await t.maintenance.selectFrom('user_sessions').select('access_token').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    const [format, keyId, iv, tag, ciphertext] = intact.split(':') as [string, string, string, string, string];
    const tagBytes = Buffer.from(tag, 'base64url');
    expect(tagBytes).toHaveLength(16);
    const flipped = Buffer.from(tagBytes);
    flipped[15] = flipped[15]! ^ 0x01;
    const variants = {
      'tag cut to 4 bytes': tagBytes.subarray(0, 4),
      'tag cut to 12 bytes': tagBytes.subarray(0, 12),
      'last tag byte altered': flipped,
    };
    for (const [what, altered] of Object.entries(variants)) {
      const stored = [format, keyId, iv, altered.toString('base64url'), ciphertext].join(':');
      await t.maintenance.updateTable('user_sessions').set({ access_token: stored }).where('session_id', '=', sessionId).execute();
      const error = await validateSession(t.db, keys, token).then(() => undefined, (e: unknown) => e);
      expect(error, what).toBeInstanceOf(PlayLaterError);
      expect(error, what).toMatchObject({ code: 'E_TOKEN_INVALID', hint: expect.stringMatching(/Revoke the session/) });
    }
    await t.maintenance.updateTable('user_sessions').set({ access_token: intact }).where('session_id', '=', sessionId).execute();
    expect(await validateSession(t.db, keys, token)).toMatchObject({ user_id: 'tag-check', ...secrets });
  });

  it('touches, revokes one, revokes all of a user, and cleans up expired ones', async () => {
    const keys = keyring(OLD_KEY);
    const soon = new Date(Date.now() + hour);
    const a = await createSession(t.db, keys, { user_id: 'hank', ...secrets, expires_at: soon });
    const b = await createSession(t.db, keys, { user_id: 'hank', ...secrets, expires_at: soon });
    await createSession(t.db, keys, { user_id: 'hank', ...secrets, expires_at: soon });
    const expired = await createSession(t.db, keys, { user_id: 'ivy', ...secrets, expires_at: new Date(Date.now() - hour) });
    const later = new Date(Date.now() + 24 * hour);
    expect(await touchSession(t.db, a.token, later)).toBe(true);
    expect((await validateSession(t.db, keys, a.token))?.expires_at).toEqual(later);
    expect(await touchSession(t.db, expired.token, later)).toBe(false);
    expect(await validateSession(t.db, keys, expired.token)).toBeUndefined();
    expect(await revokeSession(t.db, b.token)).toBe(true);
    expect(await revokeSession(t.db, b.token)).toBe(false);
    expect(await validateSession(t.db, keys, b.token)).toBeUndefined();
    expect(await revokeUserSessions(t.db, 'hank')).toBe(2);
    await expect(cleanupExpiredSessions(t.db)).rejects.toMatchObject({ code: 'E_ROW_SECURITY' });
    expect(await cleanupExpiredSessions(t.maintenance)).toBe(1);
    expect(await t.maintenance.selectFrom('user_sessions').select('user_id').where('user_id', 'in', ['hank', 'ivy']).execute()).toEqual([]);
  });

  it('re-encrypts every row with a new key; the old key is then no longer needed', async () => {
    const old = keyring(OLD_KEY);
    const created = [];
    for (let i = 0; i < 5; i += 1) created.push(await createSession(t.db, old, { user_id: 'jo', ...secrets, expires_at: new Date(Date.now() + hour) }));
    // A session cleared by revision 011 (empty tokens) has nothing to encrypt and stays as it is.
    await t.maintenance.insertInto('user_sessions').values({ session_id: 'f'.repeat(64), user_id: 'jo', access_token: '', refresh_token: '', expires_at: new Date(0) }).execute();
    const rotated = keyring(`${NEW_KEY},${OLD_KEY}`);
    await expect(reencryptSessions(t.db, rotated)).rejects.toMatchObject({ code: 'E_ROW_SECURITY' });
    const result = await reencryptSessions(t.maintenance, rotated, { batchSize: 2 });
    expect(result.reencrypted).toBe(result.rows - 1);
    expect(result.rows).toBeGreaterThanOrEqual(6);
    const ids = await t.maintenance.selectFrom('user_sessions').select(['access_token', 'refresh_token']).where('access_token', '<>', '').execute();
    expect(ids.every((row) => row.access_token.startsWith('v1:k2:') && row.refresh_token.startsWith('v1:k2:'))).toBe(true);
    expect(await reencryptSessions(t.maintenance, rotated)).toMatchObject({ reencrypted: 0 });
    const newOnly = keyring(NEW_KEY);
    expect(await validateSession(t.db, newOnly, created[0]!.token)).toMatchObject({ user_id: 'jo', ...secrets });
    // With only the old key, the rows (now under k2) name the missing key.
    await expect(validateSession(t.db, old, created[1]!.token)).rejects.toMatchObject({ code: 'E_KEY_MISSING', message: expect.stringContaining('"k2"') });
  });

  it('a missing or malformed key is a clear error', () => {
    const attempt = (value: string | undefined): PlayLaterError => {
      try {
        loadSessionKeyring(value === undefined ? {} : { [SESSION_KEYS_VARIABLE]: value });
      } catch (error) {
        return error as PlayLaterError;
      }
      throw new Error('expected an error');
    };
    expect(attempt(undefined)).toMatchObject({ code: 'E_KEY_MISSING', message: expect.stringContaining(SESSION_KEYS_VARIABLE) });
    expect(attempt('k1:c2hvcnQ=')).toMatchObject({ code: 'E_CONFIG' });
    expect(attempt(`${OLD_KEY},${OLD_KEY}`)).toMatchObject({ code: 'E_CONFIG' });
    expect(keyring(`${NEW_KEY},${OLD_KEY}`).activeKeyId).toBe('k2');
  });
});
