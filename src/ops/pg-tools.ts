import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PlayLaterError, type ErrorCode } from '../errors.js';
import { runTool } from './run-tool.js';

export interface PgTool {
  path: string;
  /** e.g. 15 */
  major: number;
  version: string;
}

/**
 * Finds pg_dump or pg_restore new enough for a server: pg_dump refuses a server of a newer major
 * version (Debian 12's pg_dump 15 cannot dump PostgreSQL 18), so the choice is checked before use,
 * not discovered from a failed dump. Looks in pgBinDir when set, else on PATH and in Debian's
 * /usr/lib/postgresql/<major>/bin, and takes the newest one found. psql (for `play-later-db psql`)
 * works with any server version: pass 0.
 */
export async function findPgTool(
  name: 'pg_dump' | 'pg_restore' | 'psql',
  serverMajor: number,
  pgBinDir: string | undefined,
  errorCode: ErrorCode = 'E_BACKUP',
): Promise<PgTool> {
  const candidates = pgBinDir ? [path.join(pgBinDir, name)] : [...onPath(name), ...debianVersions(name)];
  const found: PgTool[] = [];
  for (const candidate of new Set(candidates)) {
    const result = await runTool(candidate, ['--version']);
    const match = /\(PostgreSQL\)\s+((\d+)(?:\.\d+)*)/.exec(result.stdout);
    if (result.code === 0 && match) found.push({ path: candidate, major: Number(match[2]), version: match[1]! });
  }
  found.sort((a, b) => b.major - a.major);
  const best = found[0];
  if (best && best.major >= serverMajor) return best;
  const seen = found.length > 0 ? found.map((tool) => `${tool.path} is ${tool.version}`).join('; ') : `no ${name} found${pgBinDir ? ` in ${pgBinDir}` : ' on PATH nor in /usr/lib/postgresql/*/bin'}`;
  const wanted = serverMajor > 0 ? `${name} must be of the server's major version (${serverMajor}) or newer` : `${name} is needed`;
  const client = serverMajor > 0 ? `PostgreSQL ${serverMajor} client programs (Debian: postgresql-client-${serverMajor})` : 'PostgreSQL client programs (Debian: postgresql-client; macOS: brew install libpq)';
  throw new PlayLaterError(errorCode, `${wanted}: ${seen}.`, {
    hint: `Install the ${client}, or point PLAY_LATER_PG_BIN_DIR (config key pgBinDir) at the folder holding ${serverMajor > 0 ? `a ${name} ${serverMajor} or newer` : name}.`,
    data: { tool: name, serverMajor, found },
  });
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .filter((file) => existsSync(file));
}

function debianVersions(name: string): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((version) => path.join(root, version, 'bin', name))
    .filter((file) => existsSync(file));
}
