// Hand-rolled argument parsing for the `payhub` command: positionals name the command, `--flag` and
// `--flag=value` are its options. Kept dependency-free on purpose; the CLI is small.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  positionals: string[];
  /** `--name` is true, `--name=value` is the value; `-h` is `help`. */
  options: Map<string, string | true>;
}

const OPTION = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s;

/**
 * `valued`: options that take a value, which may then also be given as the next word (`--date
 * 2026-11-21` as well as `--date=2026-11-21`).
 */
export function parseArgs(argv: readonly string[], valued: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  let onlyPositionals = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
    } else if (arg === '--') {
      onlyPositionals = true;
    } else if (arg === '-h') {
      options.set('help', true);
    } else {
      const match = OPTION.exec(arg);
      if (!match) throw new UsageError(`unknown option ${arg}`);
      const name = match[1]!;
      if (options.has(name)) throw new UsageError(`option --${name} given twice`);
      const next = argv[index + 1];
      if (match[2] === undefined && valued.has(name) && next !== undefined && !next.startsWith('-')) {
        options.set(name, next);
        index += 1;
      } else {
        options.set(name, match[2] ?? true);
      }
    }
  }
  return { positionals, options };
}
