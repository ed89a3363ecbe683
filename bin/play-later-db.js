#!/usr/bin/env node
// The installed CLI runs the bundle of the compiled JavaScript, dist/cli-bundle/ (built by `npm ci`
// through the prepare script: scripts/build.mjs says why it is a bundle).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of every module on disk: later runs skip parsing and compiling
// (start-up counts: docs/runner-api.md, "Start-up"). Older Node versions lack it and start as before.
module.enableCompileCache?.();
const { main } = await import('../dist/cli-bundle/main.js');

process.exitCode = await main(process.argv.slice(2));
