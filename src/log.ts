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
