'use strict';
// Replaces pg/lib/crypto/utils.js in the CLI bundle (scripts/build.mjs): the same functions
// with node:crypto's one-shot calls instead of WebCrypto, whose first use loads Node's WebCrypto
// modules (about 8 ms of every start). Results are the same bytes: SCRAM-SHA-256 is PBKDF2, HMAC
// and SHA-256 either way.
const nodeCrypto = require('crypto');

const md5Hex = (data) => nodeCrypto.createHash('md5').update(data).digest('hex');

/** 'SHA-256' (WebCrypto's name, as pg passes it) to 'sha256' (OpenSSL's). */
const opensslName = (name) => name.replace('-', '').toLowerCase();

module.exports = {
  randomBytes: (length) => nodeCrypto.randomBytes(length),
  md5: async (string) => md5Hex(string),
  postgresMd5PasswordHash: async (user, password, salt) => 'md5' + md5Hex(Buffer.concat([Buffer.from(md5Hex(password + user)), salt])),
  sha256: async (data) => nodeCrypto.createHash('sha256').update(Buffer.from(data)).digest(),
  hashByName: async (hashName, data) => nodeCrypto.createHash(opensslName(hashName)).update(Buffer.from(data)).digest(),
  hmacSha256: async (key, message) => nodeCrypto.createHmac('sha256', Buffer.from(key)).update(message).digest(),
  deriveKey: (password, salt, iterations) =>
    new Promise((resolve, reject) =>
      nodeCrypto.pbkdf2(password, salt, iterations, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key))),
    ),
};
