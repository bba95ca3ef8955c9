/**
 * A small command-line parser: long options (`--name value`, `--name=value`), short ones (`-O
 * value`, `-Oqed`), boolean flags, `--` to end options, and a checked number of positionals.
 */
import { CliUsageError } from './errors.ts';

/** One option: a flag (`boolean`) or an option that takes a value (`string`). */
export interface OptionSpec {
  /** `boolean` for a flag, `string` for an option with a value. */
  readonly type: 'boolean' | 'string';
  /** One-letter alias, used as `-x`. */
  readonly short?: string;
}

/** The options a command accepts, by long name (without the dashes). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values: the last value given for a string option (or undefined), true/false for a flag. */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K]['type'] extends 'string' ? string | undefined : boolean;
};

/** What a command line parses to. */
export interface ParsedArgs<S extends OptionSpecs> {
  /** Option values by long name. */
  options: OptionValues<S>;
  /** The remaining arguments, in order. */
  positionals: string[];
}

/** How many positional arguments a command takes, and their names for error messages. */
export interface PositionalSpec {
  /** Names in order, as in the usage line (`FILE`, `SIZE`). Its length is the maximum count. */
  readonly names: readonly string[];
  /** How many are required. */
  readonly required: number;
}

/** True when `argv` asks for help (`-h` or `--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

/**
 * Parses `argv` against `specs` and `positionals`. Throws `CliUsageError` for an unknown option,
 * a missing option value, a value given to a flag, or a wrong number of positionals.
 */
export function parseArgs<S extends OptionSpecs>(argv: readonly string[], specs: S, positionals: PositionalSpec): ParsedArgs<S> {
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.type === 'boolean' ? false : undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      rest.push(arg);
      continue;
    }
    const { name, inline } = splitOption(arg, specs);
    const spec = specs[name]!;
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new CliUsageError(`option '${arg}' does not take a value`);
      values[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliUsageError(`option '${arg}' needs a value`);
    values[name] = value;
  }
  checkPositionals(rest, positionals);
  // The loop above filled exactly the keys of `specs`, with the types OptionValues describes.
  return { options: values as OptionValues<S>, positionals: rest };
}

/** Resolves `--name`, `--name=value`, `-x` or `-xvalue` to a known long name and an inline value. */
function splitOption(arg: string, specs: OptionSpecs): { name: string; inline: string | undefined } {
  if (arg.startsWith('--')) {
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
    if (!Object.hasOwn(specs, name)) throw new CliUsageError(`unknown option '--${name}'`);
    return { name, inline: equals < 0 ? undefined : arg.slice(equals + 1) };
  }
  const letter = arg.slice(1, 2);
  const name = Object.keys(specs).find((key) => specs[key]?.short === letter);
  if (name === undefined) throw new CliUsageError(`unknown option '-${letter}'`);
  return { name, inline: arg.length > 2 ? arg.slice(2) : undefined };
}

/** Throws `CliUsageError` when `rest` has too few or too many arguments. */
function checkPositionals(rest: readonly string[], spec: PositionalSpec): void {
  if (rest.length < spec.required) {
    throw new CliUsageError(`missing ${spec.names.slice(rest.length, spec.required).join(' and ')}`);
  }
  if (rest.length > spec.names.length) throw new CliUsageError(`unexpected argument '${rest[spec.names.length]}'`);
}
