/** The shape every `qedisk` subcommand has: its help texts and its entry point. */

/** A subcommand of `qedisk`. */
export interface Command {
  /** The word that selects it (`create`, `info`, ...). */
  readonly name: string;
  /** One line for the command list of `qedisk --help`. */
  readonly summary: string;
  /** The usage line, without the leading `qedisk `. */
  readonly usage: string;
  /** Lines describing the arguments and options, for `qedisk help COMMAND`. */
  readonly details: readonly string[];
  /**
   * Runs the command with the arguments that follow its name and resolves to the exit status.
   * Throws for failures; the caller reports them as one line on stderr.
   */
  run(argv: readonly string[]): Promise<number>;
}
