import type { Kysely } from 'kysely';
import type { Database } from '../../repositories/connection.js';
import { loadSessionKeyring } from '../../repositories/session-keys.js';
import { reencryptSessions } from '../../repositories/sessions.repository.js';
import { kyselyOn } from '../../runner/single-connection-kysely.js';
import type { CommandContext } from '../command-context.js';
import { requireHead } from '../require-head.js';

/** `reencrypt-sessions`: move every session's tokens to the active key of PLAY_LATER_SESSION_KEYS. */
export async function reencryptSessionsCommand(context: CommandContext): Promise<void> {
  const keyring = loadSessionKeyring(context.io.env);
  const graph = await context.graph();
  await context.withDatabase(async ({ client, displayUrl }) => {
    await requireHead(client, graph);
    const result = await reencryptSessions(kyselyOn(client) as Kysely<Database>, keyring);
    context.output.result(`Re-encrypted ${result.reencrypted} of ${result.rows} sessions in ${displayUrl} with key "${keyring.activeKeyId}".`, {
      ok: true,
      activeKeyId: keyring.activeKeyId,
      ...result,
    });
  });
}
