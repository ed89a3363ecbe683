'use strict';
// Replaces pg/lib/crypto/utils.js in the CLI bundle (scripts/build.mjs): the same functions
// with node:crypto's one-shot calls instead of WebCrypto, whose first use loads Node's WebCrypto
// modules (about 8 ms of every start). Results are the same bytes: SCRAM-SHA-256 is PBKDF2, HMAC
// and SHA-256 either way.
const nodeCrypto = require('crypto');

/** 'SHA-256' (WebCrypto's name, as pg passes it) to 'sha256' (OpenSSL's). */
const opensslName = (name) => name.replace('-', '').toLowerCase();

module.exports = {
  randomBytes: (length) => nodeCrypto.randomBytes(length),
  md5: async (string) => nodeCrypto.createHash('md5').update(string, 'utf-8').digest('hex'),
  async postgresMd5PasswordHash(user, password, salt) {
    const inner = nodeCrypto.createHash('md5').update(password + user, 'utf-8').digest('hex');
    return 'md5' + nodeCrypto.createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
  },
  sha256: async (data) => nodeCrypto.createHash('sha256').update(Buffer.from(data)).digest(),
  hashByName: async (hashName, data) => nodeCrypto.createHash(opensslName(hashName)).update(Buffer.from(data)).digest(),
  hmacSha256: async (key, message) => nodeCrypto.createHmac('sha256', Buffer.from(key)).update(message).digest(),
  deriveKey: (password, salt, iterations) =>
    new Promise((resolve, reject) =>
      nodeCrypto.pbkdf2(password, salt, iterations, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key))),
    ),
};
