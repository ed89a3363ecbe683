import { maskUrl } from '../db/database-url.js';
import { INSUFFICIENT_PRIVILEGE, PlayLaterError, isPlayLaterError } from '../errors.js';
import type { Phase } from '../progress.js';
import { processIo, type CliIo } from './io.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Where stderr goes: progress only on a terminal, colour only there and unless switched off. */
export interface Terminal {
  /** stderr is a terminal: show phases with their times. */
  progress: boolean;
  /** ANSI colours on stderr. */
  color: boolean;
}

/** A terminal gets progress and colour; NO_COLOR (any value) or --no-color turn colour off. */
export function detectTerminal(options: { color?: boolean } = {}, io: Pick<CliIo, 'stderr' | 'env'> = process): Terminal {
  const tty = io.stderr.isTTY === true;
  return { progress: tty, color: tty && options.color !== false && !io.env.NO_COLOR };
}

const STYLES = { red: 31, yellow: 33, green: 32, cyan: 36, dim: 2, bold: 1 } as const;
type Style = keyof typeof STYLES;

/**
 * The one place that writes for humans and machines: logs and progress go to stderr (levels), the
 * result goes to stdout as text or, with --json, as one JSON document that stays parseable.
 * Progress (phases with their times) shows only on a terminal, never in a pipe, with --json or
 * --quiet; revisions applied are logged everywhere, as a record of what changed.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly level: LogLevel,
    private readonly terminal: Terminal = detectTerminal(),
    private readonly io: Pick<CliIo, 'stdout' | 'stderr'> = processIo(),
  ) {}

  log(level: LogLevel, message: string): void {
    if (LEVELS[level] > LEVELS[this.level]) return;
    const prefix = level === 'info' ? '' : this.paint(level === 'debug' ? 'dim' : level === 'warn' ? 'yellow' : 'red', `${level.toUpperCase()}: `);
    this.io.stderr.write(`${prefix}${maskUrl(message)}\n`);
  }

  /** Runs one phase of a long command; on a terminal shows `… label`, then `✓ label (1.2 s)`. */
  phase: Phase = async (label, work) => {
    if (!this.showsProgress) return work();
    this.io.stderr.write(this.paint('dim', `… ${label}`));
    const started = performance.now();
    try {
      const result = await work();
      this.io.stderr.write(`\r\x1b[K${this.paint('green', '✓')} ${label} ${this.paint('dim', `(${formatDuration(performance.now() - started)})`)}\n`);
      return result;
    } catch (error) {
      this.io.stderr.write(`\r\x1b[K${this.paint('red', '✗')} ${label}\n`);
      throw error;
    }
  };

  private get showsProgress(): boolean {
    return this.terminal.progress && !this.json && LEVELS[this.level] >= LEVELS.info;
  }

  private paint(style: Style, text: string): string {
    return this.terminal.color ? `\x1b[${STYLES[style]}m${text}\x1b[0m` : text;
  }

  info = (message: string): void => this.log('info', message);
  debug = (message: string): void => this.log('debug', message);

  /** The command's result: `text` for humans, `data` for --json. */
  result(text: string, data: unknown): void {
    if (this.json) this.io.stdout.write(`${maskUrl(JSON.stringify(data, null, 2))}\n`);
    else if (text) this.io.stdout.write(`${maskUrl(text)}\n`);
  }

  /** A result that is its own format (a SQL script, a bare URL): written to stdout as it is. */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** Renders an error and returns the exit status. User errors never show a stack. */
  error(error: unknown): number {
    const sqlState = (error as { code?: unknown } | undefined)?.code;
    const fromServer = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState);
    const known = isPlayLaterError(error) || fromServer;
    const rendered = isPlayLaterError(error)
      ? error
      : new PlayLaterError('E_DATABASE', `${fromServer ? `The server said (${String(sqlState)}): ` : ''}${String((error as Error)?.message ?? error)}`, {
          hint: !fromServer
            ? undefined
            : sqlState === INSUFFICIENT_PRIVILEGE
            ? 'The role of DATABASE_URL lacks that privilege: run this command as a role that has it (the migrating role for the runner\'s commands; which role may do what: docs/roles-and-security.md).'
            : 'Check the database and its permissions.',
        });
    if (this.json) {
      this.io.stdout.write(
        `${maskUrl(JSON.stringify({ ok: false, error: { code: rendered.code, message: rendered.message, hint: rendered.hint, ...rendered.data } }, null, 2))}\n`,
      );
    }
    this.io.stderr.write(`${this.paint('red', `error ${rendered.code}:`)} ${maskUrl(rendered.message)}\n`);
    this.io.stderr.write(`${this.paint('cyan', 'hint:')} ${maskUrl(known ? rendered.hint : 'This is a bug in play-later-db; please report it with the lines above and below.')}\n`);
    if (!known) this.io.stderr.write(`${maskUrl((error as Error)?.stack ?? '')}\n`);
    return known ? rendered.exitCode : 1;
  }
}

/** 850 ms, 1.2 s, 2 min 5 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
