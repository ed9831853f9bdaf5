/** A setting is missing or wrong: the process cannot start. The message names the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The command line is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One thing wrong in a capability file: where (a JSON path, or a line and column) and what. */
export interface CapabilityProblem {
  readonly where: string;
  readonly problem: string;
}

/**
 * The capability file cannot be used. The message names the file, the place in it and the problem;
 * `problems` holds every one found (the message lists them all when there are several).
 */
export class CapabilityError extends Error {
  override readonly name = 'CapabilityError';
  readonly problems: readonly CapabilityProblem[];
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
    options?: ErrorOptions & { readonly more?: readonly CapabilityProblem[] },
  ) {
    const problems = [{ where, problem }, ...(options?.more ?? [])];
    const at = (p: CapabilityProblem): string => (p.where ? ` at ${p.where}` : '');
    super(
      problems.length === 1
        ? `Invalid capability file ${file}${at({ where, problem })}: ${problem}`
        : `Invalid capability file ${file}: ${problems.length} problems:\n${problems.map((p) => `  -${at(p)}: ${p.problem}`).join('\n')}`,
      options,
    );
    this.problems = problems;
  }

  /** Every problem of `list` (at least one) as one error. */
  static of(file: string, list: readonly CapabilityProblem[], options?: ErrorOptions): CapabilityError {
    const [first, ...more] = list;
    return new CapabilityError(file, first?.where ?? '', first?.problem ?? 'invalid', { ...options, more });
  }
}

/** A command (login, whoami, logout…) could not do its job. The message is one line for a person at a terminal. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    /** The process exit code: 1, or 130 when the user pressed Ctrl-C. */
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
