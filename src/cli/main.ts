/**
 * The `qedisk` command line: picks the subcommand, runs it, and turns every failure into one
 * line on stderr and an exit status. `bin/qedisk` calls `main`.
 */
import { readFileSync } from 'node:fs';
import { wantsHelp } from './args.ts';
import type { Command } from './command.ts';
import { checkCommand } from './commands/check.ts';
import { compactCommand } from './commands/compact.ts';
import { convertCommand } from './commands/convert.ts';
import { createCommand } from './commands/create.ts';
import { infoCommand } from './commands/info.ts';
import { mapCommand } from './commands/map.ts';
import { readCommand } from './commands/read.ts';
import { resizeCommand } from './commands/resize.ts';
import { writeCommand } from './commands/write.ts';
import { partitionsCommand } from './commands/partitions.ts';
import { lsCommand } from './commands/ls.ts';
import { catCommand } from './commands/cat.ts';
import { putCommand } from './commands/put.ts';
import { mkdirCommand } from './commands/mkdir.ts';
import { rmCommand } from './commands/rm.ts';
import { CliInterruptedError, CliUsageError, describeError } from './errors.ts';
import { commandHelp, generalHelp } from './help.ts';
import { printError, printLines } from './output.ts';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  createCommand,
  infoCommand,
  checkCommand,
  compactCommand,
  convertCommand,
  mapCommand,
  resizeCommand,
  readCommand,
  writeCommand,
  partitionsCommand,
  lsCommand,
  catCommand,
  putCommand,
  mkdirCommand,
  rmCommand,
];

/** Exit status for errors (bad arguments, unreadable or invalid images, I/O failures). */
const EXIT_FAILURE = 1;

/**
 * Runs `qedisk` with `argv` (the arguments after the program name) and resolves to the exit
 * status. Never throws: failures are printed to stderr as `qedisk: <message>`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  process.stdout.on('error', onStdoutError);
  const [first, ...rest] = argv;
  let command: Command | undefined;
  try {
    if (first === undefined) {
      printError(`qedisk: missing command (see 'qedisk --help')`);
      return EXIT_FAILURE;
    }
    if (first === '--help' || first === '-h') return await show(generalHelp(COMMANDS));
    if (first === '--version' || first === '-V') return await show([`qedisk ${packageVersion()}`]);
    if (first === 'help') return await show(rest[0] === undefined ? generalHelp(COMMANDS) : commandHelp(findCommand(rest[0])));
    command = findCommand(first);
    if (wantsHelp(rest)) return await show(commandHelp(command));
    return await command.run(rest);
  } catch (error) {
    const { message, unexpected } = describeError(error);
    const hint = error instanceof CliUsageError ? ` (see 'qedisk help${command ? ` ${command.name}` : ''}')` : '';
    printError(`qedisk: ${command && error instanceof CliUsageError ? `${command.name}: ` : ''}${message}${hint}`);
    if (unexpected && process.env.QEDISK_DEBUG && error instanceof Error) printError(error.stack ?? '');
    return error instanceof CliInterruptedError ? error.exitStatus : EXIT_FAILURE;
  }
}

/** Prints `lines` to stdout and returns exit status 0. */
async function show(lines: readonly string[]): Promise<number> {
  await printLines(lines);
  return 0;
}

/** The subcommand called `name`; throws `CliUsageError` for an unknown one. */
function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new CliUsageError(`unknown command '${name}'`);
  return command;
}

/** The version from package.json. */
function packageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
  return 'unknown';
}

/** A closed pipe on stdout (`qedisk read ... | head`) ends the run quietly, as for other tools. */
function onStdoutError(error: Error): void {
  if ('code' in error && error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  printError(`qedisk: cannot write to stdout: ${error.message}`);
  process.exit(EXIT_FAILURE);
}
