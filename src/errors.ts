/** A setting is missing or wrong: the process cannot start. The message names the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The command line is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The capability file cannot be used. The message names the file, the place in it and the problem. */
export class CapabilityError extends Error {
  override readonly name = 'CapabilityError';
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`Invalid capability file ${file}${where ? ` at ${where}` : ''}: ${problem}`, options);
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
