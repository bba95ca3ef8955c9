/** The help texts: the command list of `qedisk --help` and the page of `qedisk help COMMAND`. */
import type { Command } from './command.ts';

/** The general help: usage, the commands with their summaries, and the common rules. */
export function generalHelp(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    'Usage: qedisk COMMAND [ARGS...]',
    '',
    'Create, inspect, check and convert QED (QEMU Enhanced Disk) images, interchangeable with',
    'qemu-img. Sizes and offsets take K, M, G, T suffixes (binary: 1K = 1024 bytes).',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    '  qedisk help COMMAND    show the options of COMMAND (also: qedisk COMMAND --help)',
    '  qedisk --version       show the version',
    '',
    'Errors are reported as one line on stderr with exit status 1; check uses qemu-img check',
    'statuses (0 clean, 1 check errors, 2 corruptions, 3 leaks only).',
  ];
}

/** The help page of one command. */
export function commandHelp(command: Command): string[] {
  return [`Usage: qedisk ${command.usage}`, '', `${capitalise(command.summary)}.`, '', ...command.details];
}

/** `text` with its first letter in upper case. */
function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
