/**
 * The CLI bundle replaces two of pg's modules with Node-only ones (scripts/build.mjs says why):
 * they must compute the same bytes as pg's own, or a login through the bin would fail (or worse,
 * only on some servers' authentication methods).
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));

type CryptoUtils = {
  md5(text: string): Promise<string>;
  postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string>;
  sha256(data: ArrayBuffer | Buffer): Promise<ArrayBuffer | Buffer>;
  hashByName(name: string, data: Buffer): Promise<ArrayBuffer | Buffer>;
  hmacSha256(key: ArrayBuffer | Buffer, message: string): Promise<ArrayBuffer | Buffer>;
  deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer | Buffer>;
  randomBytes(length: number): Buffer | Uint8Array;
};
const pgCrypto = require('pg/lib/crypto/utils.js') as CryptoUtils;
const ours = require(path.join(ROOT, 'scripts', 'bundle', 'pg-node-crypto.cjs')) as CryptoUtils;
const bytes = (value: ArrayBuffer | Buffer | Uint8Array): string => Buffer.from(value as ArrayBuffer).toString('hex');

describe("the bundle's replacement of pg/lib/crypto/utils.js", () => {
  it('exports the same functions', () => {
    expect(Object.keys(ours).sort()).toEqual(Object.keys(pgCrypto).sort());
  });

  it('computes the same bytes for md5 logins and every SCRAM-SHA-256 step', async () => {
    const salt = Buffer.from('c2FsdHNhbHQ=', 'base64');
    for (const password of ['secret', 'pässwörd with spaces', '']) {
      expect(await ours.md5(password)).toBe(await pgCrypto.md5(password));
      expect(await ours.postgresMd5PasswordHash('app', password, salt)).toBe(await pgCrypto.postgresMd5PasswordHash('app', password, salt));
      const salted = await ours.deriveKey(password, salt, 4096);
      expect(bytes(salted)).toBe(bytes(await pgCrypto.deriveKey(password, salt, 4096)));
      const clientKey = await ours.hmacSha256(salted, 'Client Key');
      expect(bytes(clientKey)).toBe(bytes(await pgCrypto.hmacSha256(salted, 'Client Key')));
      expect(bytes(await ours.sha256(clientKey))).toBe(bytes(await pgCrypto.sha256(clientKey)));
    }
    const certificate = Buffer.from('a certificate, as channel binding hashes it');
    for (const name of ['SHA-256', 'SHA-384', 'SHA-512']) {
      expect(bytes(await ours.hashByName(name, certificate))).toBe(bytes(await pgCrypto.hashByName(name, certificate)));
    }
  });

  it('gives random bytes of the length asked', () => {
    const nonce = ours.randomBytes(18);
    expect(nonce.length).toBe(18);
    expect(Buffer.from(nonce).toString('base64')).not.toBe(Buffer.from(ours.randomBytes(18)).toString('base64'));
  });
});

describe("the bundle's replacement of pg/lib/stream.js", () => {
  const stream = require(path.join(ROOT, 'scripts', 'bundle', 'pg-node-stream.cjs')) as { getStream(ssl: boolean): net.Socket; getSecureStream: unknown };
  const pgStream = require('pg/lib/stream.js') as Record<string, unknown>;

  it('exports the same functions and makes a Node socket', () => {
    expect(Object.keys(stream).sort()).toEqual(Object.keys(pgStream).sort());
    const socket = stream.getStream(false);
    expect(socket).toBeInstanceOf(net.Socket);
    socket.destroy();
    expect(typeof stream.getSecureStream).toBe('function');
  });
});
