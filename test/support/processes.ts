import { readdirSync, readFileSync } from 'node:fs';

/** Process ids whose command line names the folder (the postmaster runs with -D <folder>/pg18; pg_dump with --file=<folder>/…). */
export function processesUsing(folder: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => commandLine(pid)?.includes(folder));
}

/** A process's command line, its arguments separated by spaces; undefined once it has ended. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined; // ended while we looked
  }
}
