import { maskUrl } from '../db/database-url.js';
import { PlayLaterError, isPlayLaterError } from '../errors.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * The one place that writes for humans and machines: logs and progress go to stderr (levels), the
 * result goes to stdout as text or, with --json, as one JSON document that stays parseable.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly level: LogLevel,
  ) {}

  log(level: LogLevel, message: string): void {
    if (LEVELS[level] > LEVELS[this.level]) return;
    process.stderr.write(`${level === 'info' ? '' : `${level.toUpperCase()}: `}${maskUrl(message)}\n`);
  }

  info = (message: string): void => this.log('info', message);
  debug = (message: string): void => this.log('debug', message);

  /** The command's result: `text` for humans, `data` for --json. */
  result(text: string, data: unknown): void {
    if (this.json) process.stdout.write(`${maskUrl(JSON.stringify(data, null, 2))}\n`);
    else if (text) process.stdout.write(`${maskUrl(text)}\n`);
  }

  /** Renders an error and returns the exit status. User errors never show a stack. */
  error(error: unknown): number {
    const sqlState = (error as { code?: unknown } | undefined)?.code;
    const fromServer = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState);
    const known = isPlayLaterError(error) || fromServer;
    const rendered = isPlayLaterError(error)
      ? error
      : new PlayLaterError('E_DATABASE', `${fromServer ? `The server said (${String(sqlState)}): ` : ''}${String((error as Error)?.message ?? error)}`, {
          hint: fromServer ? 'Check the database and its permissions.' : undefined,
        });
    if (this.json) {
      process.stdout.write(
        `${maskUrl(JSON.stringify({ ok: false, error: { code: rendered.code, message: rendered.message, hint: rendered.hint, ...rendered.data } }, null, 2))}\n`,
      );
    }
    process.stderr.write(`error ${rendered.code}: ${maskUrl(rendered.message)}\n`);
    if (rendered.hint) process.stderr.write(`hint: ${maskUrl(rendered.hint)}\n`);
    if (!known) process.stderr.write(`${maskUrl((error as Error)?.stack ?? '')}\nThis is a bug in play-later-db; please report it with the lines above.\n`);
    return known ? rendered.exitCode : 1;
  }
}
