import { parseArgs } from 'node:util';
import { DEFAULT_API_VERSION, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from './config.js';
import { UsageError } from './errors.js';
import { VERSION } from './version.js';

/** What the command line asked for. */
export interface CliOptions {
  readonly help: boolean;
  readonly version: boolean;
  readonly sandbox: boolean;
  readonly capability: string | undefined;
}

/** Parses the command line; throws a UsageError for unknown flags or stray arguments. */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        sandbox: { type: 'boolean', default: false },
        capability: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}. See --help.`);
  }
  const { values } = parsed;
  return {
    help: values.help,
    version: values.version,
    sandbox: values.sandbox || ['1', 'true', 'yes'].includes((env.CLERK_SANDBOX ?? '').trim().toLowerCase()),
    capability: values.capability?.trim() || env.CLERK_CAPABILITY_FILE?.trim() || undefined,
  };
}

export const HELP = `clerk-invitations-mcp ${VERSION}
An MCP server (stdio) for Clerk organization invitations, through Clerk's Frontend API.
MCP clients start it as a subprocess; it speaks MCP on stdin/stdout and logs to stderr.

Usage:
  clerk-invitations-mcp [--sandbox] [--capability <file>]
  clerk-invitations-mcp --help | --version

Flags:
  --sandbox            Start a built-in Clerk Frontend API simulator on 127.0.0.1 (random port)
                       and use it: no Clerk account needed. Signed in as an admin of
                       organization org_sandbox ("Sandbox Inc"). Same as CLERK_SANDBOX=1.
  --capability <file>  Build the tools from another Naftiko capability file instead of the
                       bundled one. Same as CLERK_CAPABILITY_FILE.
  -h, --help           Show this help.
  -v, --version        Show the version.

Environment:
  CLERK_PUBLISHABLE_KEY   pk_test_… or pk_live_…: the Frontend API host is derived from it.
  CLERK_FRONTEND_API_URL  Frontend API URL; overrides the host from the key (proxy, custom
                          domain, local server), e.g. https://clerk.example.com.
                          One of these two is required, unless --sandbox.
  CLERK_CLIENT_TOKEN      Client token of a signed-in user who may manage the organization's
                          members (sent as Authorization: Bearer with _is_native=1). Without it
                          the server starts, but every tool answers with an error.
  CLERK_SESSION_ID        sess_…: which session of the client to act as (optional).
  CLERK_API_VERSION       Clerk API version, default ${DEFAULT_API_VERSION}.
  CLERK_TIMEOUT_MS        Timeout per HTTP request (headers and body) in ms, default
                          ${DEFAULT_TIMEOUT_MS}. A whole tool call, retries and waits included, ends
                          within twice this.
  CLERK_MAX_RESPONSE_BYTES
                          Largest answer read from Clerk in bytes, default ${DEFAULT_MAX_RESPONSE_BYTES}
                          (5 MiB); a larger one is refused unread.
  CLERK_MAX_CONCURRENCY   Most requests in flight to Clerk at once, default ${DEFAULT_MAX_CONCURRENCY}; further
                          calls wait their turn (writes go one at a time).
  CLERK_SANDBOX           1 to start in sandbox mode (as --sandbox).
  CLERK_CAPABILITY_FILE   As --capability.

Tokens and the publishable key never appear in tool output or logs.
`;
