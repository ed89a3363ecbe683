import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './embedded-server.js';

/**
 * What `play-later-db serve` leaves in the embedded data folder while it runs, so that other
 * commands (url, psql, upgrade …) use the running server instead of waiting for the folder. The
 * file holds the URL with the generated password, like the password file beside it: mode 0600.
 */
export interface ServedServer {
  pid: number;
  port: number;
  url: string;
}

const SERVED_FILE = 'serve.json';

export function recordServedServer(dataDir: string, served: ServedServer): void {
  writeFileSync(path.join(dataDir, SERVED_FILE), `${JSON.stringify(served)}\n`, { mode: 0o600 });
}

export function forgetServedServer(dataDir: string): void {
  rmSync(path.join(dataDir, SERVED_FILE), { force: true });
}

/** The server a live `serve` process runs on this data folder, if any (a stale file is ignored). */
export function findServedServer(dataDir: string): ServedServer | undefined {
  const file = path.join(dataDir, SERVED_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const served = JSON.parse(readFileSync(file, 'utf8')) as ServedServer;
    return Number.isInteger(served.pid) && isProcessAlive(served.pid) ? served : undefined;
  } catch {
    return undefined;
  }
}
