/**
 * DATE values are shown as stored whatever the client's time zone, through the real CLI: east of
 * UTC they used to print one day early (a DATE read as local midnight, printed in UTC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonResult } from '../support/expect-cli.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ from: 'head' });
  const client = await database.connect();
  try {
    await client.query(`INSERT INTO games (igdb_id, title, release_date) VALUES (9901, 'Almanac Odyssey', DATE '2024-03-15')`);
  } finally {
    await client.end();
  }
});
afterAll(async () => database?.drop());

describe.each(['Asia/Tokyo', 'America/Los_Angeles'])('TZ=%s', (zone) => {
  const search = (...args: string[]) => runCli([...args, 'search', 'almanac odyssey'], { env: { DATABASE_URL: database.url, TZ: zone } });

  it('search shows the release date as stored, in text and in --json', async () => {
    const text = await search();
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/ 2024-03-15 {2}Almanac Odyssey$/m);
    const json = jsonResult<{ games: { title: string; release_date: string }[] }>(await search('--json'));
    expect(json.games).toEqual([expect.objectContaining({ title: 'Almanac Odyssey', release_date: '2024-03-15' })]);
  });
});
