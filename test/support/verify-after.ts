import type pg from 'pg';
import { beforeAll } from 'vitest';
import { writeHeadSchemaFile } from './committed-schema.js';
import { useTempFolders } from './temp-folders.js';
import { runCli } from './run-cli.js';
import type { TestServer } from './servers.js';
import { useTestDatabases } from './test-database.js';

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * For a describe block on `server`: `verifyAfter(damage)` makes a fresh head database, damages it,
 * and runs `verify --json` on it through the CLI against the head's schema file (`schemaFile()`).
 */
export function useVerifyAfter(server: TestServer) {
  let schemaFile: string;
  const newDatabase = useTestDatabases(server);
  const tempFolder = useTempFolders();
  beforeAll(async () => {
    schemaFile = await writeHeadSchemaFile(tempFolder, server);
  });
  async function verifyAfter(damage: (client: pg.Client) => Promise<void>) {
    const database = await newDatabase('head');
    const client = await database.connect();
    await damage(client);
    const result = await runCli(['--json', 'verify', '--schema-file', schemaFile], { env: { DATABASE_URL: database.url } });
    const parsed = JSON.parse(result.stdout) as { ok: boolean; checks?: VerifyCheck[]; error?: { code: string; report: { checks: VerifyCheck[] } } };
    const checks = parsed.checks ?? parsed.error?.report.checks ?? [];
    return { ...result, parsed, checks, failed: checks.filter((c) => !c.ok), client, database };
  }
  return { verifyAfter, newDatabase, schemaFile: () => schemaFile };
}
