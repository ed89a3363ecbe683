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
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
