'use strict';
// Replaces pg/lib/stream.js in the CLI bundle (scripts/build.mjs): the same two functions for
// Node.js, without pg's runtime probe for Cloudflare Workers, which on Node 20 constructs a fetch
// Response and so loads undici (about 25 ms of every start).
module.exports = {
  getStream() {
    const net = require('net');
    return new net.Socket();
  },
  getSecureStream(options) {
    const tls = require('tls');
    return tls.connect(options);
  },
};
