/**
 * The revision manifest (load-revisions.ts): declarations come from it without importing the
 * modules, and an edited file is never taken for the one the manifest knows.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRevisionGraph } from '../../src/runner/migrator.js';
import { sha256 } from '../../src/runner/load-revisions.js';
import { fixtureDir } from '../support/revision-folders.js';
import { useTempFolders } from '../support/temp-folders.js';

const tempFolder = useTempFolders();

function copyOfLinear(): { dir: string; file: (id: string) => string } {
  const dir = path.join(tempFolder('plt-manifest-'), 'revisions');
  cpSync(fixtureDir('revisions-linear'), dir, { recursive: true });
  return { dir, file: (id) => path.join(dir, readdirSync(dir).find((name) => name.includes(id))!) };
}

describe('revision manifest', () => {
  it('reads what an edited file declares now, and its checksum, never the remembered one', async () => {
    const { dir, file } = copyOfLinear();
    const first = await loadRevisionGraph(dir);
    expect(first.get('002_second').transactional).toBe(true);
    const edited = readFileSync(file('002_second'), 'utf8')
      .replace(/export const message = '[^']*';/, "export const message = 'Second, renamed';")
      .concat('\nexport const transactional = false;\n');
    writeFileSync(file('002_second'), edited);
    const second = await loadRevisionGraph(dir);
    expect(second.get('002_second')).toMatchObject({ message: 'Second, renamed', transactional: false, checksum: sha256(edited) });
    expect(second.get('001_first').checksum).toBe(first.get('001_first').checksum);
  });

  it('a revision from the manifest still runs its own up and down (imported on first use)', async () => {
    const { dir, file } = copyOfLinear();
    await loadRevisionGraph(dir); // records the declarations
    const graph = await loadRevisionGraph(dir); // from the manifest
    const statements: string[] = [];
    const { capturingKysely } = await import('../../src/runner/offline-kysely.js');
    await graph.get('001_first').up(capturingKysely(statements, 'none').db, { log: () => undefined, offline: true });
    expect(statements.join('\n')).toMatch(/CREATE TABLE/i);
  });

  it('refuses a file with an unknown export before recording it, every time', async () => {
    const { dir, file } = copyOfLinear();
    writeFileSync(file('003_third'), `${readFileSync(file('003_third'), 'utf8')}\nexport const transactionl = false;\n`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(loadRevisionGraph(dir)).rejects.toMatchObject({ code: 'E_REVISION_INVALID', message: expect.stringContaining('unknown export "transactionl"') });
    }
  });
});
