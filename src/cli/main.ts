import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import { PACKAGE_ROOT } from '../cache-dir.js';
import { maskProcessTitle, maskUrl } from '../db/database-url.js';
import type { CommandContext, GlobalOptions } from './command-context.js';
import type { BackgroundFlags } from './commands/background.js';
import { processIo, type CliIo } from './io.js';
import { Output, detectTerminal } from './output.js';
import { PlayLaterError } from '../errors.js';

const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const SCRATCH_URL_HELP = 'admin URL of a server where scratch databases may be created (default: a throw-away embedded server)';

/**
 * Parses the command line and dispatches. Command modules are imported lazily, so a command loads
 * only what it needs: start-up time counts.
 * Exit status: 0 done, 1 a database or revision failure, 2 a usage error.
 * `io` is the process's streams, environment and folder, unless a caller (the tests) gives its own.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  maskProcessTitle(argv);
  let context: CommandContext | undefined;
  const program = new Command('play-later-db')
    .description('Play Later database: revisions, deploys and checks for PostgreSQL 15-18.')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('-d, --database-url <url>', 'libpq URL of the database (default: DATABASE_URL, else the embedded server)'))
    .option('--direct-database-url <url>', 'URL to PostgreSQL itself (not a pooler) for non-transactional revisions, optional (default: DIRECT_DATABASE_URL)')
    .option('--revisions-dir <dir>', 'folder of revision files (default: migrations)')
    .option('--schema-dir <dir>', 'folder of the declared schema, *.sql (default: schema/declared)')
    .option('--config <file>', 'JSON config file (default: play-later-db.config.json if present)')
    .option('--json', 'print the result as JSON on stdout (logs stay on stderr)')
    .option('--echo-sql', 'print every SQL statement sent (passwords masked) on stderr')
    .option('--debug', 'debug logs on stderr (including the embedded server log)')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .option('--no-color', 'no colours on stderr (also NO_COLOR=1); colours and progress show only on a terminal')
    .option('--lock-wait <ms>', 'how long to wait for another runner (default 60000)')
    .option('--lock-timeout <ms>', 'lock_timeout for revision statements; lock timeouts are retried (default 2000)')
    .option('--statement-timeout <ms>', 'statement_timeout for revision statements, 0 = none (default 0)')
    .exitOverride()
    // Usage errors are rendered below like every other error (error E_USAGE: …, hint: …).
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(maskUrl(text)), outputError: () => undefined });

  const run =
    <A extends unknown[]>(action: (context: CommandContext, ...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      const command = args[args.length - 1] as Command;
      // Lazy: the context pulls in pg and the runner, which --help and usage errors never need.
      const { CommandContext } = await import('./command-context.js');
      context = new CommandContext(command.optsWithGlobals<GlobalOptions>(), io);
      await action(context, ...args);
    };

  program
    .command('upgrade')
    .description('apply revisions up to <target>: head, heads, +N, a revision id or a unique prefix')
    .argument('<target>', 'where to go')
    .option('--single-transaction', 'run all revisions in one transaction: all or nothing')
    .option('--sql', 'print the SQL instead of running it, without connecting (target may be a range from:to)')
    .action(
      run(async (ctx, target: string, flags: { singleTransaction?: boolean; sql?: boolean }) => {
        const { runMigration } = await import('./run-migration.js');
        await runMigration(ctx, 'up', target, flags);
      }),
    );
  program
    .command('downgrade')
    .description('revert revisions down to <target>: -N, base, a revision id or a unique prefix')
    .argument('<target>', 'where to go')
    .option('--single-transaction', 'run all revisions in one transaction: all or nothing')
    .option('--sql', 'print the SQL instead of running it, without connecting (target may be a range from:to)')
    .option('--yes', 'do not ask before dropping tables that hold rows (needed off a terminal)')
    .action(
      run(async (ctx, target: string, flags: { singleTransaction?: boolean; sql?: boolean; yes?: boolean }) => {
        const { runMigration } = await import('./run-migration.js');
        await runMigration(ctx, 'down', target, flags);
      }),
    );
  program
    .command('current')
    .description('show the revision(s) the database is at')
    .option('--verbose', 'show each revision in full')
    .action(
      run(async (ctx, flags: { verbose?: boolean }) => {
        const { currentCommand } = await import('./commands/current.js');
        await currentCommand(ctx, flags);
      }),
    );
  program
    .command('history')
    .description('list the revisions, newest first')
    .option('--verbose', 'show each revision in full')
    .option('-r, --rev <range>', 'only a range, from:to (e.g. 002:004, 003:, :head)')
    .action(
      run(async (ctx, flags: { verbose?: boolean; rev?: string }) => {
        const { historyCommand } = await import('./commands/history.js');
        await historyCommand(ctx, flags);
      }),
    );
  program
    .command('heads')
    .description('show the heads of the revision graph')
    .option('--verbose', 'show each revision in full')
    .action(
      run(async (ctx, flags: { verbose?: boolean }) => {
        const { headsCommand } = await import('./commands/heads.js');
        await headsCommand(ctx, flags);
      }),
    );
  program
    .command('stamp')
    .description('record <target> in the version table without running any revision')
    .argument('<target>', 'head, heads, base, or revision id(s) separated by commas')
    .action(
      run(async (ctx, target: string) => {
        const { stampCommand } = await import('./commands/stamp.js');
        await stampCommand(ctx, target);
      }),
    );
  program
    .command('revision')
    .description('write a new revision file whose parent is the current head (up and down hold a placeholder that upgrade refuses until replaced)')
    .requiredOption('-m, --message <message>', 'what the revision changes')
    .option('--parents <ids>', 'parent revision(s), comma-separated; several make a merge revision')
    .option('--autogenerate', 'write up and down from the difference between the revisions\' head and the declared schema, and refresh the generated files')
    .option('--scratch-url <url>', SCRATCH_URL_HELP)
    .action(
      run(async (ctx, flags: { message?: string; parents?: string; autogenerate?: boolean; scratchUrl?: string }) => {
        const { revisionCommand } = await import('./commands/revision.js');
        await revisionCommand(ctx, flags);
      }),
    );
  program
    .command('merge')
    .description('write a merge revision whose parents are the given revisions (default: every head), so the graph has one head again')
    .argument('[revisions...]', 'revision ids or unique prefixes (default: the heads)')
    .option('-m, --message <message>', 'what the merge joins (default: "Merge <a> and <b>")')
    .action(
      run(async (ctx, revisions: string[], flags: { message?: string }) => {
        const { mergeCommand } = await import('./commands/revision.js');
        await mergeCommand(ctx, revisions, flags);
      }),
    );
  program
    .command('check')
    .description("fail and print the difference when the declared schema, the revisions' head and the generated files (and, with --live, the database) disagree")
    .option('--live', 'also compare the configured database (DATABASE_URL, -d or the embedded one)')
    .option('--scratch-url <url>', SCRATCH_URL_HELP)
    .action(
      run(async (ctx, flags: { live?: boolean; scratchUrl?: string }) => {
        const { checkCommand } = await import('./commands/check.js');
        await checkCommand(ctx, flags);
      }),
    );
  program
    .command('generate')
    .description('refresh the files generated from the schema at head: schema/schema.sql, the Kysely types, the ERD')
    .option('--scratch-url <url>', SCRATCH_URL_HELP)
    .action(
      run(async (ctx, flags: { scratchUrl?: string }) => {
        const { generateCommand } = await import('./commands/generate.js');
        await generateCommand(ctx, flags);
      }),
    );
  program
    .command('lint')
    .description('check the SQL of every revision for dangerous operations (squawk)')
    .option('--scratch-url <url>', SCRATCH_URL_HELP)
    .action(
      run(async (ctx, flags: { scratchUrl?: string }) => {
        const { lintCommand } = await import('./commands/lint.js');
        await lintCommand(ctx, flags);
      }),
    );
  program
    .command('backup')
    .description('back up the database into backupDir (pg_dump -Fc, or a copy of the stopped embedded cluster)')
    .action(
      run(async (ctx) => {
        const { backupCommand } = await import('./commands/backup.js');
        await backupCommand(ctx);
      }),
    );
  program
    .command('restore')
    .description('restore the database from a backup made by backup or deploy')
    .argument('<backup>', 'the backup file (.dump) or folder (.embedded)')
    .option('--yes', 'do not ask before replacing a database that holds rows (needed off a terminal)')
    .action(
      run(async (ctx, backup: string, flags: { yes?: boolean }) => {
        const { restoreCommand } = await import('./commands/restore.js');
        await restoreCommand(ctx, backup, flags);
      }),
    );
  program
    .command('verify')
    .description('health check: tables, critical indexes, a rolled-back write, version table, head, drift from schema/schema.sql')
    .option('--schema-file <file>', 'committed schema description (default: schema/schema.sql beside the revisions folder)')
    .action(
      run(async (ctx, flags: { schemaFile?: string }) => {
        const { verifyCommand } = await import('./commands/verify.js');
        await verifyCommand(ctx, flags);
      }),
    );
  program
    .command('background')
    .description('batched background migrations declared by revisions: run (throttled by replica lag and load), pause, resume, status')
    .addArgument(new Argument('<action>', 'what to do').choices(['run', 'pause', 'resume', 'status']))
    .argument('[name]', 'one migration (default: all)')
    .option('--max-lag-ms <ms>', 'wait while any replica replays more than this far behind (default 1000)')
    .option('--max-active <n>', 'wait while more than n other sessions are active on the primary (default 16)')
    .option('--sleep-coef <x>', 'after each batch, rest x times as long as the batch took (default 3; 0: no rest)')
    .option('--batch-ms <ms>', "size each batch to take about this long, up to the migration's batch size (default 5; 0: always that size)")
    .option('--batches <n>', 'stop after n batches (default: until finished)')
    .action(
      run(async (ctx, action: 'run' | 'pause' | 'resume' | 'status', name: string | undefined, flags: BackgroundFlags) => {
        const { backgroundCommand } = await import('./commands/background.js');
        await backgroundCommand(ctx, action, name, flags);
      }),
    );
  program
    .command('deploy')
    .description('backup, upgrade head, refresh_user_stats(), verify; stops at the first failure and names the backup to restore')
    .option('--schema-file <file>', 'committed schema description for verify (default: schema/schema.sql beside the revisions folder)')
    .action(
      run(async (ctx, flags: { schemaFile?: string }) => {
        const { deployCommand } = await import('./commands/deploy.js');
        await deployCommand(ctx, flags);
      }),
    );
  program
    .command('checksum')
    .description('checksums of applied revision files (see the history table)')
    .command('accept')
    .description('accept the current file of an applied revision whose checksum changed (after reviewing the edit)')
    .argument('<revisions...>', 'revision id(s) or unique prefixes')
    .action(
      run(async (ctx, revisions: string[]) => {
        const { checksumAcceptCommand } = await import('./commands/checksum.js');
        await checksumAcceptCommand(ctx, revisions);
      }),
    );
  program
    .command('setup')
    .description('the main job: bring the database to head and show where it stands')
    .action(
      run(async (ctx) => {
        const { setupCommand } = await import('./commands/setup.js');
        await setupCommand(ctx);
      }),
    );

  program
    .command('serve')
    .description('run the embedded database at head (with the demo data when empty) until Ctrl-C; npm run db')
    .option('--port <port>', 'port to listen on, 0 for any free one (default 54320)')
    .action(
      run(async (ctx, flags: { port?: string }) => {
        const { serveCommand } = await import('./commands/serve.js');
        await serveCommand(ctx, flags);
      }),
    );
  program
    .command('url')
    .description('print the connection string of the database (DATABASE_URL, else the one serve runs)')
    .option('--show-password', 'print the password too (e.g. export DATABASE_URL=$(play-later-db url --show-password))')
    .action(
      run(async (ctx, flags: { showPassword?: boolean }) => {
        const { urlCommand } = await import('./commands/serve.js');
        urlCommand(ctx, flags);
      }),
    );
  program
    .command('psql')
    .description('open psql on the database (DATABASE_URL, else the one serve runs); arguments after -- go to psql')
    .argument('[psql-args...]', 'passed to psql, e.g. -- -c "select count(*) from games"')
    .action(
      run(async (ctx, args: string[]) => {
        const { psqlCommand } = await import('./commands/serve.js');
        await psqlCommand(ctx, args);
      }),
    );

  program
    .command('demo-data')
    .description('load the demo data set (a few hundred games, a few users); idempotent')
    .action(
      run(async (ctx) => {
        const { demoDataCommand } = await import('./commands/demo-data.js');
        await demoDataCommand(ctx);
      }),
    );
  program
    .command('import-games')
    .description('bulk import games from a CSV file (COPY; all or nothing; bad rows listed by line)')
    .argument('<file>', 'CSV with a header: igdb_id,title[,hltb_id,steam_app_id,description,cover_image_id,release_date,main_story,main_extra,completionist]')
    .option('--encoding <name>', "the file's text encoding, e.g. windows-1252 (default utf-8; bytes it cannot decode are refused with their line)")
    .action(
      run(async (ctx, file: string, flags: { encoding?: string }) => {
        const { importGamesCommand } = await import('./commands/import-games.js');
        await importGamesCommand(ctx, file, flags);
      }),
    );
  program
    .command('reencrypt-sessions')
    .description('re-encrypt every session token with the first key of PLAY_LATER_SESSION_KEYS')
    .action(
      run(async (ctx) => {
        const { reencryptSessionsCommand } = await import('./commands/reencrypt-sessions.js');
        await reencryptSessionsCommand(ctx);
      }),
    );

  program
    .command('search')
    .description('full-text search of the games (search_games)')
    .argument('<query>', 'words to look for in titles and descriptions')
    .option('--user <id>', 'mark the games this user owns')
    .option('--limit <n>', 'at most this many games (default 20)')
    .action(
      run(async (ctx, query: string, flags: { user?: string; limit?: string }) => {
        const { searchCommand } = await import('./commands/search-and-stats.js');
        await searchCommand(ctx, query, flags);
      }),
    );
  program
    .command('stats')
    .description("a user's stats (user_game_stats)")
    .argument('<user>', 'user id')
    .action(
      run(async (ctx, user: string) => {
        const { statsCommand } = await import('./commands/search-and-stats.js');
        await statsCommand(ctx, user);
      }),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      return new Output(argv.includes('--json'), 'info', detectTerminal({ color: !argv.includes('--no-color') }, io), io).error(usageError(program, argv, error));
    }
    const output = context?.output ?? new Output(argv.includes('--json'), 'info', detectTerminal({ color: !argv.includes('--no-color') }, io), io);
    return output.error(error);
  }
}

/** commander's usage error as E_USAGE, its hint naming the --help that answers it. */
function usageError(program: Command, argv: readonly string[], error: CommanderError): PlayLaterError {
  // "error: unknown command 'upgrad'\n(Did you mean upgrade?)" → one line. No command at all: commander
  // has printed the help (its message is "(outputHelp)").
  const names = new Set(program.commands.map((candidate) => candidate.name()));
  const message = error.code === 'commander.help' ? helpShownInstead(argv, names) : error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  const command = argv.find((arg) => names.has(arg));
  const hint = command && error.code !== 'commander.unknownCommand'
    ? `Run \`play-later-db ${command} --help\` for its arguments and options.`
    : 'Run `play-later-db --help` for the commands and the options they share.';
  const sentence = `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
  return new PlayLaterError('E_USAGE', /[.)]$/.test(sentence) ? sentence : `${sentence}.`, { hint });
}

/** Why commander showed the help instead of running something: no command, or `help <unknown>`. */
function helpShownInstead(argv: readonly string[], names: ReadonlySet<string>): string {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  if (words[0] === 'help' && words[1] !== undefined && !names.has(words[1])) return `Unknown command '${words[1]}' (the commands are listed above)`;
  return 'No command given (the commands are listed above)';
}
