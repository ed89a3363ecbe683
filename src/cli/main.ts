import { Command, CommanderError, Option } from 'commander';
import { maskUrl } from '../db/database-url.js';
import type { CommandContext, GlobalOptions } from './command-context.js';
import { Output } from './output.js';

/**
 * Parses the command line and dispatches. Command modules are imported lazily, so a command loads
 * only what it needs: start-up time counts.
 * Exit status: 0 done, 1 a database or revision failure, 2 a usage error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let context: CommandContext | undefined;
  const program = new Command('play-later-db')
    .description('Play Later database: revisions, deploys and checks for PostgreSQL 15-18.')
    .addOption(new Option('-d, --database-url <url>', 'libpq URL of the database (default: DATABASE_URL, else the embedded server)'))
    .option('--direct-database-url <url>', 'direct (not pooled) URL for non-transactional revisions (default: DIRECT_DATABASE_URL, else the database URL)')
    .option('--revisions-dir <dir>', 'folder of revision files (default: migrations)')
    .option('--schema-dir <dir>', 'folder of the declared schema, *.sql (default: schema/declared)')
    .option('--config <file>', 'JSON config file (default: play-later-db.config.json if present)')
    .option('--json', 'print the result as JSON on stdout (logs stay on stderr)')
    .option('--echo-sql', 'print every SQL statement sent (passwords masked) on stderr')
    .option('--debug', 'debug logs on stderr (including the embedded server log)')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .option('--lock-wait <ms>', 'how long to wait for another runner (default 60000)')
    .option('--lock-timeout <ms>', 'lock_timeout for revision statements; lock timeouts are retried (default 2000)')
    .option('--statement-timeout <ms>', 'statement_timeout for revision statements, 0 = none (default 0)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(maskUrl(text)) });

  const run =
    <A extends unknown[]>(action: (context: CommandContext, ...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      const command = args[args.length - 1] as Command;
      // Lazy: the context pulls in pg and the runner, which --help and usage errors never need.
      const { CommandContext } = await import('./command-context.js');
      context = new CommandContext(command.optsWithGlobals<GlobalOptions>());
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
    .description('write a new revision file whose parent is the current head')
    .requiredOption('-m, --message <message>', 'what the revision changes')
    .option('--parents <ids>', 'parent revision(s), comma-separated; several make a merge revision')
    .option('--autogenerate', 'write up and down from the difference between the revisions\' head and the declared schema')
    .action(
      run(async (ctx, flags: { message?: string; parents?: string; autogenerate?: boolean }) => {
        const { revisionCommand } = await import('./commands/revision.js');
        await revisionCommand(ctx, flags);
      }),
    );
  program
    .command('check')
    .description("fail and print the difference when the declared schema and the revisions' head (and, with --live, the database) disagree")
    .option('--live', 'also compare the configured database (DATABASE_URL, -d or the embedded one)')
    .action(
      run(async (ctx, flags: { live?: boolean }) => {
        const { checkCommand } = await import('./commands/check.js');
        await checkCommand(ctx, flags);
      }),
    );
  program
    .command('lint')
    .description('check the SQL of every revision for dangerous operations (squawk)')
    .option('--scratch-url <url>', 'admin URL of a server where a scratch database may be created (default: a throw-away embedded server)')
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
      // commander already printed what was wrong on stderr; scripts asking for --json still get JSON.
      if (argv.includes('--json')) {
        new Output(true, 'info').result('', { ok: false, error: { code: 'E_USAGE', message: error.message.replace(/^error: /, '') } });
      }
      return 2;
    }
    const output = context?.output ?? new Output(argv.includes('--json'), 'info');
    return output.error(error);
  }
}
