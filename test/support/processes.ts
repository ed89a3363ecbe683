import { readdirSync, readFileSync } from 'node:fs';

/** Process ids whose command line names the folder (the postmaster runs with -D <folder>/pg18; pg_dump with --file=<folder>/…). */
export function processesUsing(folder: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder);
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}
