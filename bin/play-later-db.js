#!/usr/bin/env node
// The installed CLI runs the bundle of the compiled JavaScript, dist/cli-bundle/ (built by `npm ci`
// through the prepare script: scripts/build.mjs says why it is a bundle).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of every module on disk: later runs skip parsing and compiling
// (start-up counts: docs/runner-api.md, "Start-up"). Older Node versions lack it and start as before.
module.enableCompileCache?.();

let main;
try {
  ({ main } = await import('../dist/cli-bundle/main.js'));
} catch (error) {
  // A checkout that was never built, or built before the bundle existed: say what to run.
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('cli-bundle')) throw error;
  process.stderr.write('error: the CLI is not built (dist/cli-bundle/ is missing).\nhint: run `npm run build` in the project (`npm ci` runs it), then try again.\n');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
