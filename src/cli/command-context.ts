import { resolveConfig, type Config, type ConfigInput } from '../config/resolve-config.js';
import type { DatabaseSession, SessionOptions } from '../db/database-session.js';
import type { Migrator, MigratorEvent } from '../runner/migrator.js';
import type { RevisionGraph } from '../runner/revision-graph.js';
import { processIo, type CliIo } from './io.js';
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

  constructor(
    private readonly options: GlobalOptions,
    readonly io: CliIo = processIo(),
  ) {
    this.output = new Output(Boolean(options.json), options.debug ? 'debug' : options.quiet ? 'warn' : 'info', detectTerminal({ color: options.color }, io), io);
    const flags: ConfigInput = {
      databaseUrl: options.databaseUrl,
      directDatabaseUrl: options.directDatabaseUrl,
      revisionsDir: options.revisionsDir,
      schemaDir: options.schemaDir,
      lockWaitMs: options.lockWait,
      lockTimeoutMs: options.lockTimeout,
      statementTimeoutMs: options.statementTimeout,
    };
    this.config = resolveConfig({ flags, configFile: options.config, env: io.env, cwd: io.cwd });
  }

  private graphLoaded: Promise<RevisionGraph> | undefined;

  /** The revisions, loaded once per command without importing their modules (see load-revisions.ts). */
  graph(): Promise<RevisionGraph> {
    return (this.graphLoaded ??= import('../runner/migrator.js').then(({ loadRevisionGraph }) => loadRevisionGraph(this.config.revisionsDir)));
  }

  /** The runner's API on the configured database (see withDatabase), with this command's settings. */
  async withMigrator<T>(
    work: (migrator: Migrator, session: DatabaseSession) => Promise<T>,
    onEvent?: (event: MigratorEvent) => void,
    access: { readOnly?: boolean } = {},
  ): Promise<T> {
    const [{ Migrator }, graph] = await Promise.all([import('../runner/migrator.js'), this.graph()]);
    return this.withDatabase(
      (session) => work(new Migrator({ graph, client: session.client, directUrl: this.config.directDatabaseUrl, settings: this.config, onEvent }), session),
      access,
    );
  }

  /** A Migrator without a database: offline SQL. */
  async offlineMigrator(onEvent?: (event: MigratorEvent) => void): Promise<Migrator> {
    const [{ Migrator }, graph] = await Promise.all([import('../runner/migrator.js'), this.graph()]);
    return new Migrator({ graph, settings: this.config, onEvent });
  }

  /** --echo-sql and the embedded server's log, as every session of this command uses them. */
  sessionOptions(): SessionOptions {
    return {
      echoSql: this.options.echoSql ? (statement) => this.output.log('info', `SQL: ${statement}`) : undefined,
      log: (line) => this.output.debug(`postgres: ${line}`),
      warn: (line) => this.output.log('warn', line),
      env: this.io.env,
    };
  }

  /**
   * Imported on use: commands that need no database (history, heads, revision) never load pg.
   * A command that only reads says so (`{ readOnly: true }`): it may then run on a standby.
   */
  async withDatabase<T>(work: (session: DatabaseSession) => Promise<T>, access: { readOnly?: boolean } = {}): Promise<T> {
    const { withDatabase } = await import('../db/database-session.js');
    return withDatabase(this.config, { ...this.sessionOptions(), ...access }, work);
  }
}
