/**
 * Where a command reads and writes: the process's own streams, environment and folder when it runs
 * as the installed bin, or a caller's (the test suite calls `main(argv, io)` in-process, with
 * strings for streams and an environment of its own, and spawns the real bin only where a process
 * is what is tested: signals, exit paths, other Node versions).
 */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  ignoreClosedPipes();
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

let pipesGuarded = false;

/**
 * `play-later-db current | head -1`: once the reader has gone, a write fails with EPIPE, which Node
 * raises as an uncaught error: a stack trace, and no cleanup (an embedded server left running).
 * Output nobody reads is dropped instead, and the command finishes as it would have. Other write
 * errors (a full disk) stay what Node makes of them.
 */
function ignoreClosedPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
