// What a `payhub` command is. A new command is one file under commands/ and one line in cli.ts.
import type { HubConfig } from '../config/config.schema';
import type { Logger } from '../logging/logger';

/** Exit codes every command shares; `payhub --help` lists them. */
export const EXIT = {
  ok: 0,
  /** The command ran and found a problem (`ledger verify`: a fault). */
  failed: 1,
  /** Wrong arguments or configuration. */
  usage: 2,
  /** The command could not run (database unreachable, not migrated). */
  unavailable: 3,
} as const;

export interface CommandContext {
  config: HubConfig;
  /** Logs go to stderr; stdout is the command's result. */
  logger: Logger;
  options: ReadonlyMap<string, string | true>;
  /** The words after the command's path, as many as its `arguments` names. */
  args: readonly string[];
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
}

export interface OptionSpec {
  /** false: a switch (`--compact`); true: `--name=value`. */
  takes_value: boolean;
  description: string;
}

export interface Command {
  /** The words that select it: ['ledger', 'verify']. */
  path: readonly string[];
  summary: string;
  /** Text after the usage line in `payhub <command> --help`. */
  details: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Positional arguments after the path (`payhub qr decode <payload>`), in order; all optional. */
  arguments?: ReadonlyArray<{ name: string; description: string }>;
  /** false: the command reads no configuration (it opens no database), so a bad variable cannot stop it. */
  uses_config?: boolean;
  /** Answers the exit code. */
  run(context: CommandContext): Promise<number>;
}
