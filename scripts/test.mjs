// `npm test`: the type check and the tests side by side, and a failure of either fails the run.
// The type check (about 6 s of one core) runs while the tests' global set-up (the embedded server
// and the template databases, about one core's work) leaves the other core idle; in sequence it
// added its whole time to the gate. Arguments go to vitest (`npm test -- test/cli` runs a folder).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = (...parts) => path.join(root, 'node_modules', ...parts);

/** Runs a node script to its end: its exit code, and its output when `quiet` (printed by the caller). */
function run(script, args, quiet) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 1, output: `${error.message}\n` }));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const started = Date.now();
const typecheck = run(
  bin('typescript', 'bin', 'tsc'),
  ['--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', bin('.cache', 'play-later-db', 'typecheck.tsbuildinfo')],
  true,
).then((result) => ({ ...result, seconds: (Date.now() - started) / 1000 }));
const tests = await run(bin('vitest', 'vitest.mjs'), ['run', '--project', 'unit', '--project', 'database', ...process.argv.slice(2)], false);
const checked = await typecheck;
if (checked.code === 0) {
  process.stdout.write(`Type check (tsc --noEmit): no errors, ${checked.seconds.toFixed(1)} s beside the tests.\n`);
} else {
  process.stderr.write(`\nType check (tsc --noEmit) failed:\n${checked.output}`);
}
process.exitCode = tests.code !== 0 ? tests.code : checked.code;
