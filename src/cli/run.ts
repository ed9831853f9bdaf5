/** The command line, run: loaded by index.ts once the compile cache is on. */
import { CapabilityError, CommandError, ConfigError, UsageError } from '../errors.js';
import { main } from './main.js';

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  // Known failures get one clear line; anything else is a bug and keeps its stack.
  const known = error instanceof ConfigError || error instanceof CapabilityError || error instanceof UsageError || error instanceof CommandError;
  process.stderr.write(`clerk-invitations-mcp: ${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : error instanceof CommandError ? error.exitCode : 1);
});
