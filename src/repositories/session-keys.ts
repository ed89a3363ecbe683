/**
 * Encryption at rest of the session tokens: AES-256-GCM (node:crypto) with keys from the
 * environment, never from a file or the database. PLAY_LATER_SESSION_KEYS holds comma-separated
 * `keyId:base64key` entries; the first encrypts, all of them decrypt, so a key can be rotated
 * (add the new one first, run `reencrypt-sessions`, then drop the old one).
 *
 * A stored value is `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url). The associated data binds it
 * to its column and row, so a ciphertext copied to another row or column does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PlayLaterError } from '../errors.js';

export const SESSION_KEYS_VARIABLE = 'PLAY_LATER_SESSION_KEYS';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const FORMAT = 'v1';
/** GCM's full tag and its standard nonce: a shorter tag would make forgeries cheap (4 bytes: 1 in 2^32). */
const TAG_BYTES = 16;
const IV_BYTES = 12;
const UNREADABLE_HINT = 'Revoke the session; its user signs in again. If many sessions fail, check who can write user_sessions.';
const GENERATE_HINT = `Set ${SESSION_KEYS_VARIABLE}=keyId:base64key, the key being 32 random bytes, e.g. key1:$(node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")`;

export interface SessionKeyring {
  /** The key that encrypts: the first of the variable. */
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export function loadSessionKeyring(env: NodeJS.ProcessEnv = process.env): SessionKeyring {
  const value = env[SESSION_KEYS_VARIABLE]?.trim();
  if (!value) {
    throw new PlayLaterError('E_KEY_MISSING', `${SESSION_KEYS_VARIABLE} is not set: session tokens cannot be encrypted or read.`, { hint: GENERATE_HINT });
  }
  const keys = new Map<string, Buffer>();
  for (const entry of value.split(',').map((part) => part.trim())) {
    const separator = entry.indexOf(':');
    const keyId = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (separator < 0 || !KEY_ID.test(keyId) || key.length !== 32 || keys.has(keyId)) {
      throw new PlayLaterError('E_CONFIG', `${SESSION_KEYS_VARIABLE}: entry "${keyId || entry.slice(0, 8)}…" must be keyId:base64key with a unique id of [A-Za-z0-9_-] and a key of 32 bytes.`, {
        hint: GENERATE_HINT,
      });
    }
    keys.set(keyId, key);
  }
  return { activeKeyId: [...keys.keys()][0] as string, keys };
}

export function encryptToken(keyring: SessionKeyring, plaintext: string, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(keyring, keyring.activeKeyId), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, keyring.activeKeyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
}

/**
 * Decrypts a stored value, refusing (E_TOKEN_INVALID) anything but the exact format: a 12-byte IV
 * and the full 16-byte tag. Node's decipher would otherwise accept a tag cut to 4 bytes.
 */
export function decryptToken(keyring: SessionKeyring, stored: string, associatedData: string): string {
  const [format, keyId, ivText, tagText, ciphertext, ...extra] = stored.split(':');
  if (format !== FORMAT || keyId === undefined || ivText === undefined || tagText === undefined || ciphertext === undefined || extra.length > 0) {
    throw new PlayLaterError('E_TOKEN_INVALID', 'A stored session token is not in the encrypted format (v1:keyId:iv:tag:ciphertext).', { hint: UNREADABLE_HINT });
  }
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new PlayLaterError(
      'E_TOKEN_INVALID',
      `A stored session token has a ${tag.length}-byte authentication tag and a ${iv.length}-byte IV; only the full ${TAG_BYTES}-byte tag and a ${IV_BYTES}-byte IV are accepted.`,
      { hint: UNREADABLE_HINT },
    );
  }
  const key = keyFor(keyring, keyId);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new PlayLaterError('E_TOKEN_INVALID', 'A stored session token does not decrypt: wrong key under its key id, or the value was altered.', {
      cause: error,
      hint: UNREADABLE_HINT,
    });
  }
}

/** The key id a stored value was encrypted with. */
export function keyIdOf(stored: string): string | undefined {
  return stored.split(':')[1];
}

function keyFor(keyring: SessionKeyring, keyId: string): Buffer {
  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new PlayLaterError('E_KEY_MISSING', `Session key "${keyId}" is not in ${SESSION_KEYS_VARIABLE}.`, {
      hint: `Add the key "${keyId}" to ${SESSION_KEYS_VARIABLE} (after the active one) until reencrypt-sessions has moved every row to the active key.`,
    });
  }
  return key;
}
