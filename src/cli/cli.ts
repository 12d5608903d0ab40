// The `payhub` command line: finds the command the words name, checks its options, loads the one
// configuration schema, runs it, and maps the outcome to an exit code (EXIT in command.ts).
import { ConfigError, loadConfig, parseConfig, type HubConfig } from '../config/config.schema';
import { createLogger, stderrDestination } from '../logging/logger';
import { parseArgs, UsageError, type ParsedArgs } from './args';
import { EXIT, type Command } from './command';
import { keysRotateCommand } from './commands/keys-rotate.command';
import { ledgerVerifyCommand } from './commands/ledger-verify.command';
import { migrateCommand } from './commands/migrate.command';
import { qrDecodeCommand } from './commands/qr-decode.command';
import { reconcileCommand } from './commands/reconcile.command';

export const COMMANDS: readonly Command[] = [
  migrateCommand,
  ledgerVerifyCommand,
  qrDecodeCommand,
  keysRotateCommand,
  reconcileCommand,
];

/** Options every command that has them declares with a value: those may take it as the next word. */
const VALUED_OPTIONS: ReadonlySet<string> = new Set(
  COMMANDS.flatMap((command) => Object.entries(command.options))
    .filter(([name]) =>
      COMMANDS.every((command) => command.options[name] === undefined || command.options[name].takes_value),
    )
    .map(([name]) => name),
);

export interface CliIo {
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
  loadConfig(): HubConfig;
}

function writer(stream: NodeJS.WriteStream): (text: string) => Promise<void> {
  return (text) =>
    new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

export const processIo: CliIo = {
  stdout: writer(process.stdout),
  stderr: writer(process.stderr),
  loadConfig,
};

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(1, width - text.length));
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.path.join(' ').length)) + 4;
  return [
    'Usage: payhub <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => '  ' + pad(command.path.join(' '), width) + command.summary),
    '',
    'Options:',
    '  ' + pad('-h, --help', width) + 'Show help (for a command: payhub <command> --help).',
    '',
    'Configuration comes from the environment, as for the server (docs/configuration.md):',
    'DATABASE_URL, or the embedded Postgres under HUB_DATA_DIR when it is unset; LOG_LEVEL (logs go to stderr).',
    '',
    `Exit codes: ${EXIT.ok} success, ${EXIT.failed} the command found a problem, ${EXIT.usage} usage or configuration error,`,
    `${EXIT.unavailable} the command could not run (database unreachable or not migrated).`,
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const options = Object.entries(command.options).map(
    ([name, spec]) => `  ${pad(spec.takes_value ? `--${name}=<value>` : `--${name}`, 20)}${spec.description}`,
  );
  return [
    `Usage: payhub ${command.path.join(' ')}${(command.arguments ?? []).map((a) => ` [<${a.name}>]`).join('')}${options.length > 0 ? ' [options]' : ''}`,
    '',
    command.summary,
    '',
    command.details,
    '',
    'Options:',
    ...options,
    `  ${pad('-h, --help', 20)}Show this help.`,
    '',
  ].join('\n');
}

/** The command whose path starts the words, with no more words left over than it takes arguments. */
function findCommand(positionals: readonly string[]): Command | null {
  return (
    COMMANDS.find(
      (command) =>
        positionals.length >= command.path.length &&
        positionals.length - command.path.length <= (command.arguments?.length ?? 0) &&
        command.path.every((word, index) => positionals[index] === word),
    ) ?? null
  );
}

function checkOptions(command: Command, parsed: ParsedArgs): void {
  for (const [name, value] of parsed.options) {
    if (name === 'help') continue;
    const spec = command.options[name];
    if (!spec) throw new UsageError(`unknown option --${name} for \`payhub ${command.path.join(' ')}\``);
    if (spec.takes_value && value === true)
      throw new UsageError(`option --${name} needs a value: --${name}=<value>`);
    if (!spec.takes_value && value !== true) throw new UsageError(`option --${name} takes no value`);
  }
}

/** Runs the command argv names; answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let parsed: ParsedArgs;
  let command: Command | null = null;
  try {
    parsed = parseArgs(argv, VALUED_OPTIONS);
    const words = parsed.positionals[0] === 'help' ? parsed.positionals.slice(1) : parsed.positionals;
    const help = parsed.options.has('help') || parsed.positionals[0] === 'help';
    if (words.length === 0) {
      if (help) {
        await io.stdout(globalHelp());
        return EXIT.ok;
      }
      await io.stderr(globalHelp());
      return EXIT.usage;
    }
    command = findCommand(words);
    if (!command) {
      const next = COMMANDS.filter((candidate) =>
        words.every((word, index) => candidate.path[index] === word),
      )
        .map((candidate) => candidate.path[words.length])
        .filter((word) => word !== undefined);
      throw new UsageError(
        next.length > 0
          ? `\`payhub ${words.join(' ')}\` needs a subcommand: ${next.join(', ')}`
          : `unknown command \`${words.join(' ')}\``,
      );
    }
    if (help) {
      await io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    checkOptions(command, parsed);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await io.stderr(`payhub: ${error.message}\nRun \`payhub --help\` for the commands and their options.\n`);
    return EXIT.usage;
  }

  let config: HubConfig;
  try {
    config = command.uses_config === false ? parseConfig({}) : io.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await io.stderr(`payhub: ${error.message}\n`);
    return EXIT.usage;
  }
  const logger = createLogger(config.log_level, stderrDestination());
  try {
    return await command.run({
      config,
      logger,
      options: parsed.options,
      args: parsed.positionals.slice(command.path.length),
      stdout: io.stdout,
      stderr: io.stderr,
    });
  } catch (error) {
    logger.debug({ err: error }, 'command failed');
    await io.stderr(`payhub ${command.path.join(' ')}: ${(error as Error).message}\n`);
    return EXIT.unavailable;
  }
}
