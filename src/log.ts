/** Anything that can scrub secrets out of text (the Clerk client knows its tokens). */
export interface Redactor {
  redact(text: string): string;
}

/**
 * Writes one diagnostic line to stderr. stdout carries the MCP protocol and nothing else.
 * Messages pass through the redactor, if given, so no token reaches a log.
 */
export function log(message: string, redactor?: Redactor): void {
  const text = redactor ? redactor.redact(message) : message;
  process.stderr.write(`[clerk-invitations-mcp] ${text}\n`);
}

/**
 * Logs a promise rejection that nothing handled (a bug) to stderr, redacted, instead of letting
 * Node end the process: one broken call must not take the calls of every other one down with it.
 */
export function logUnhandledRejections(redactor: Redactor): void {
  process.on('unhandledRejection', (reason: unknown) => {
    log(`unhandled promise rejection (a bug; still serving): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`, redactor);
  });
}
