/** The command line, run: loaded by index.ts once the compile cache is on. */
import { CapabilityError, CommandError, ConfigError, UsageError } from '../errors.js';
import { main } from './main.js';
import { printable } from './printable.js';

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  // Known failures get one clear line; anything else is a bug and keeps its stack.
  const known = error instanceof ConfigError || error instanceof CapabilityError || error instanceof UsageError || error instanceof CommandError;
  // A capability file's problems quote its keys and values: each line is made printable, so that nothing in the file steers the terminal.
  const message = error instanceof CapabilityError ? error.message.split('\n').map(printable).join('\n') : known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`clerk-invitations-mcp: ${message}\n`);
  process.exit(error instanceof UsageError ? 2 : error instanceof CommandError ? error.exitCode : 1);
});
