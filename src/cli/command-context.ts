import { resolveConfig, type Config, type ConfigInput } from '../config/resolve-config.js';
import type { DatabaseSession, SessionOptions } from '../db/database-session.js';
import { loadRevisions } from '../runner/load-revisions.js';
import { RevisionGraph } from '../runner/revision-graph.js';
import { Output, detectTerminal } from './output.js';

/** The options every command accepts (see main.ts). */
export interface GlobalOptions {
  databaseUrl?: string;
  directDatabaseUrl?: string;
  revisionsDir?: string;
  schemaDir?: string;
  config?: string;
  json?: boolean;
  echoSql?: boolean;
  debug?: boolean;
  quiet?: boolean;
  /** false with --no-color. */
  color?: boolean;
  lockWait?: string;
  lockTimeout?: string;
  statementTimeout?: string;
}

/** What a command needs, resolved once from the parsed arguments. */
export class CommandContext {
  readonly config: Config;
  readonly output: Output;

  constructor(private readonly options: GlobalOptions) {
    this.output = new Output(Boolean(options.json), options.debug ? 'debug' : options.quiet ? 'warn' : 'info', detectTerminal({ color: options.color }));
    const flags: ConfigInput = {
      databaseUrl: options.databaseUrl,
      directDatabaseUrl: options.directDatabaseUrl,
      revisionsDir: options.revisionsDir,
      schemaDir: options.schemaDir,
      lockWaitMs: options.lockWait,
      lockTimeoutMs: options.lockTimeout,
      statementTimeoutMs: options.statementTimeout,
    };
    this.config = resolveConfig({ flags, configFile: options.config });
  }

  async graph(): Promise<RevisionGraph> {
    return new RevisionGraph(await loadRevisions(this.config.revisionsDir));
  }

  /** --echo-sql and the embedded server's log, as every session of this command uses them. */
  sessionOptions(): SessionOptions {
    return {
      echoSql: this.options.echoSql ? (statement) => this.output.log('info', `SQL: ${statement}`) : undefined,
      log: (line) => this.output.debug(`postgres: ${line}`),
    };
  }

  /** Imported on use: commands that need no database (history, heads, revision) never load pg. */
  async withDatabase<T>(work: (session: DatabaseSession) => Promise<T>): Promise<T> {
    const { withDatabase } = await import('../db/database-session.js');
    return withDatabase(this.config, this.sessionOptions(), work);
  }
}
