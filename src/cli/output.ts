/** Writing to stdout one chunk at a time, so large outputs (`qedisk read`) stream in bounded memory. */

/**
 * Writes `data` to stdout and resolves once the stream has handed it to the system, so the
 * caller may then reuse the buffer. Rejects when the write fails.
 */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/** Writes `lines` to stdout, each followed by a newline. */
export function printLines(lines: readonly string[]): Promise<void> {
  return writeStdout(lines.map((line) => `${line}\n`).join(''));
}

/** Writes `value` to stdout as indented JSON and a newline. */
export function printJson(value: unknown): Promise<void> {
  return writeStdout(`${JSON.stringify(value, null, 4)}\n`);
}

/** Writes one line to stderr. */
export function printError(line: string): void {
  process.stderr.write(`${line}\n`);
}
