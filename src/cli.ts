import { parseArgs } from 'node:util';
import { DEFAULT_API_VERSION, DEFAULT_TIMEOUT_MS } from './config.js';
import { ConfigError, UsageError } from './errors.js';
import { VERSION } from './version.js';

/** What the command line asked for. */
export interface CliOptions {
  readonly help: boolean;
  readonly version: boolean;
  readonly sandbox: boolean;
  readonly capability: string | undefined;
  /** Serve only the tools that change nothing. */
  readonly readOnly: boolean;
  /** Serve only these tools, and where the list came from (for error messages). */
  readonly tools: { readonly names: readonly string[]; readonly from: '--tools' | 'CLERK_TOOLS' } | undefined;
  /** Ask the user before destructive and bulk tools run, when the client can be asked. */
  readonly confirm: boolean;
}

/** Parses the command line; throws a UsageError for unknown flags or stray arguments, a ConfigError for an unclear on/off variable. */
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
        'read-only': { type: 'boolean', default: false },
        tools: { type: 'string', multiple: true },
        'no-confirm': { type: 'boolean', default: false },
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
    readOnly: values['read-only'] || envSwitch(env, 'CLERK_READ_ONLY', false),
    tools: values.tools
      ? { names: splitNames(values.tools), from: '--tools' }
      : env.CLERK_TOOLS !== undefined
        ? { names: splitNames([env.CLERK_TOOLS]), from: 'CLERK_TOOLS' }
        : undefined,
    confirm: !values['no-confirm'] && envSwitch(env, 'CLERK_CONFIRM', true),
  };
}

// `--tools a,b --tools c`: commas and repeats both work; blanks are dropped (an empty list is refused later).
const splitNames = (lists: readonly string[]): string[] => lists.flatMap((list) => list.split(',')).map((name) => name.trim()).filter(Boolean);

/** An on/off variable. A safety switch must not be misread, so a value that is neither is refused. */
function envSwitch(env: Readonly<Record<string, string | undefined>>, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true/false, yes/no, on/off)`);
}

export const HELP = `clerk-invitations-mcp ${VERSION}
An MCP server (stdio) for Clerk organization invitations, through Clerk's Frontend API.
MCP clients start it as a subprocess; it speaks MCP on stdin/stdout and logs to stderr.

Usage:
  clerk-invitations-mcp [--sandbox] [--capability <file>] [--read-only] [--tools <names>] [--no-confirm]
  clerk-invitations-mcp --help | --version

Flags:
  --sandbox            Start a built-in Clerk Frontend API simulator on 127.0.0.1 (random port)
                       and use it: no Clerk account needed. Signed in as an admin of
                       organization org_sandbox ("Sandbox Inc"). Same as CLERK_SANDBOX=1.
  --capability <file>  Build the tools from another Naftiko capability file instead of the
                       bundled one. Same as CLERK_CAPABILITY_FILE.
  --read-only          Serve only the tools that change nothing (the list tools).
                       Same as CLERK_READ_ONLY=1.
  --tools <names>      Serve only these tools, comma-separated (repeatable). An unknown name,
                       or with --read-only a tool that changes something, stops the server.
                       Same as CLERK_TOOLS.
  --no-confirm         Don't ask the user to confirm revoking and bulk-creating. By default,
                       when the client supports elicitation, those tools first ask, and send
                       nothing unless the user confirms. Same as CLERK_CONFIRM=0.
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
  CLERK_TIMEOUT_MS        Timeout per HTTP request in ms, default ${DEFAULT_TIMEOUT_MS}.
  CLERK_SANDBOX           1 to start in sandbox mode (as --sandbox).
  CLERK_CAPABILITY_FILE   As --capability.
  CLERK_READ_ONLY         1 to serve only the read-only tools (as --read-only).
  CLERK_TOOLS             As --tools, e.g. getOrganizationInvitations,createOrganizationInvitations.
  CLERK_CONFIRM           0 to turn confirmations off (as --no-confirm); default 1.

Tokens and the publishable key never appear in tool output or logs.
`;
