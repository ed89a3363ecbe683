/** connect() on the embedded server: what libpq's sslmode values do against a server without SSL. */
import { describe, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { embeddedServer } from '../support/servers.js';

describe('connect: sslmode', () => {
  it('prefer (and allow, disable) fall back to a plain connection when the server has no SSL, as libpq does', async () => {
    for (const mode of ['prefer', 'allow', 'disable']) {
      const client = await connect(`${embeddedServer().adminUrl}?sslmode=${mode}`);
      try {
        const { rows } = await client.query<{ ok: number }>('SELECT 1 AS ok');
        expect(rows[0]!.ok).toBe(1);
      } finally {
        await disconnect(client);
      }
    }
  });

  it('require refuses a server without SSL, with a typed error', async () => {
    await expect(connect(`${embeddedServer().adminUrl}?sslmode=require`)).rejects.toMatchObject({ code: 'E_CONNECT_UNREACHABLE', message: expect.stringMatching(/the server does not accept SSL connections, and sslmode requires SSL/) });
  });
});
