import { DEFAULT_API_VERSION, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from '../clerk/settings.js';
import { commandName } from '../invocation.js';
import { CLIENTS } from './install/clients.js';
import { VERSION } from '../version.js';

/** The sandbox's sign-in details, for --help and the sandbox command (kept here so --help needs no simulator). */
export const SANDBOX_SIGN_IN = `Sandbox users (password sandbox-password; every email, SMS and authenticator code is 424242):
  admin@sandbox.test  (username sandbox-admin)   admin of org_sandbox "Sandbox Inc"
  member@sandbox.test (username sandbox-member)  member of org_sandbox, who may not invite
  mfa@sandbox.test    (username sandbox-mfa)     an admin, with a second factor (authenticator
                                                 app, SMS, or backup code sandbox-backup-code)`;

const USAGE: readonly (readonly [string, string])[] = [
  ['[--sandbox] [--capability <file>]', 'the MCP server'],
  ['  [--read-only] [--tools <names>] [--no-confirm]', ''],
  ['serve --http [--port <n>] [--host <address>]', 'the MCP server over HTTP'],
  ['  [--allowed-hosts <names>] [the server\'s flags]', ''],
  ['serve --http --hosted [--public-url <url>]', 'the MCP server for a team (OAuth)'],
  ['login [--identifier <email>]', 'sign in, in a terminal'],
  ['login --web [--identifier <email>]', 'sign in on a page in the browser'],
  ['login --ticket <sign-in token>', 'sign in without prompts'],
  ['whoami', 'who the server acts as'],
  ['logout', 'sign out and forget'],
  ['sandbox [--port <n>]', 'a simulated Clerk to sign in to'],
  ['install <client>', 'add the server to an MCP client'],
  ['  [--publishable-key <pk>] [--read-only] [--tools <names>]', ''],
  ['  [--sandbox] [--name <n>] [--dry-run]', ''],
  ['uninstall <client>', 'remove it from the client'],
  ['  [--name <n>] [--dry-run]', ''],
  ['validate <file>', 'check a capability, list its tools'],
  ['--help | --version', ''],
];

// One line per form, the descriptions aligned whatever the length of the command's name.
function usage(name: string): string {
  const lines = USAGE.map(([args, what]) => [args.startsWith('  ') ? `${' '.repeat(name.length)} ${args.trim()}` : `${name} ${args}`, what] as const);
  // Continuation lines have no description to align, so they do not widen the column.
  const width = Math.max(...lines.filter(([, what]) => what).map(([form]) => form.length));
  return lines.map(([form, what]) => `  ${what ? `${form.padEnd(width)}  ${what}` : form}`).join('\n');
}

/** --help, naming the commands as this process was started (`node dist/index.js login` from a checkout). */
export const helpText = (name: string = commandName()): string => `clerk-invitations-mcp ${VERSION}
An MCP server (stdio, or Streamable HTTP with --http) for Clerk organization invitations,
through Clerk's Frontend API.
MCP clients start it as a subprocess; it speaks MCP on stdin/stdout and logs to stderr.

Usage:
${usage(name)}

Commands:
  login    Signs in to your Clerk instance (from CLERK_PUBLISHABLE_KEY / CLERK_FRONTEND_API_URL
           or the flags below) with your email or username and then your password or an email
           code, and a second factor when your account has one. Saves the client token for
           that host in the credentials file, which the server then uses. With --ticket it
           exchanges a sign-in token from Clerk's Backend API instead, asking nothing. With
           --web the same questions are asked on a one-time page on 127.0.0.1, opened in
           the default browser (its address is printed too; BROWSER=none: not opened).
  whoami   Shows the host, the user, the session and the organizations where the user may
           manage members (id, name, role).
  logout   Ends the session at Clerk and removes the host's entry from the credentials file.
  sandbox  Runs the Clerk simulator on 127.0.0.1:<port> (default 4599) until Ctrl-C, so that
           login, whoami, logout and the server can be tried without Clerk.
${SANDBOX_SIGN_IN.replace(/^/gm, '           ')}
  install  Adds the server to an MCP client's user config, or updates it: <client> is one of
           ${CLIENTS.join(', ')}. The entry (named clerk-invitations, or --name)
           runs this Node and this copy's dist/index.js with the publishable key (--publishable-key
           or CLERK_PUBLISHABLE_KEY; or --frontend-api-url / CLERK_FRONTEND_API_URL) and the
           switches given: --read-only, --tools, --sandbox. Other entries and the file's layout
           are kept; the previous file is saved as <file>.<time>.bak first; a second run changes
           nothing. A file that is not valid JSON is left alone. Claude Code goes through
           \`claude mcp add --scope user\` when \`claude\` is on PATH. --dry-run prints the change
           (a diff, or the claude commands) and writes nothing.
  uninstall
           Removes that entry (and only it) from the client's config, the same way.
  validate Reads a capability file (Naftiko 1.0.0-alpha2 or Ikanos 1.0.0-beta5) as the server
           would and prints the tools it would serve (name, title, hints, arguments), or every
           problem found on stderr. Exit code 0 or 1: usable in CI.

Flags:
  --sandbox                 Start the server with a built-in Clerk Frontend API simulator on
                            127.0.0.1 (random port), already signed in as admin@sandbox.test,
                            an admin of org_sandbox ("Sandbox Inc"). Same as CLERK_SANDBOX=1.
  --capability <file>       Build the tools from another capability file (Naftiko 1.0.0-alpha2
                            or Ikanos 1.0.0-beta5) instead of the bundled one. Same as
                            CLERK_CAPABILITY_FILE.
  --read-only               Serve only the tools that change nothing (the list tools).
                            Same as CLERK_READ_ONLY=1.
  --tools <names>           Serve only these tools, comma-separated (repeatable). An unknown
                            name, or with --read-only a tool that changes something, stops
                            the server. Same as CLERK_TOOLS.
  --no-confirm              Don't ask the user to confirm revoking and bulk-creating. By
                            default, when the client supports elicitation, those tools first
                            ask, and send nothing unless the user confirms. Same as
                            CLERK_CONFIRM=0.
  --http                    Serve MCP over Streamable HTTP at http://<host>:<port>/mcp instead
                            of stdio, signed in as over stdio. Every request must carry
                            "Authorization: Bearer <secret>": CLERK_MCP_HTTP_TOKEN, or a secret
                            generated at start and printed once on stderr. GET /healthz answers
                            without it.
  --port <n>                With --http: the port (default 0: any free port, printed).
  --host <address>          With --http: the address to listen on (default 127.0.0.1).
  --allowed-hosts <names>   With --http: the Host names clients use, comma-separated; needed
                            when --host is not loopback. Requests with another Host, or from a
                            web page of another origin, get 403. Same as CLERK_MCP_ALLOWED_HOSTS.
  --hosted                  With --http: serve a whole team. Each request carries a user's
                            OAuth access token from the Clerk instance (its Frontend API is
                            the authorization server) and the tools act as that user through
                            the Backend API, after checking they may manage the organization's
                            members. Needs CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY; with
                            --sandbox, the sandbox plays both. See README, "Hosted".
  --public-url <url>        With --hosted: the URL clients reach the server by (https; e.g.
                            https://mcp.example.com), needed unless it listens on loopback.
                            OAuth tokens are issued for <url>/mcp. Same as CLERK_MCP_PUBLIC_URL.
  --publishable-key <pk>    As CLERK_PUBLISHABLE_KEY.
  --frontend-api-url <url>  As CLERK_FRONTEND_API_URL.
  --ticket <token>          login: the sign-in token to exchange; - reads it from stdin (which
                            keeps it out of the process list and shell history).
  --identifier <email>      login: the email address or username (otherwise asked).
  --web                     login: ask on a page in the browser instead of the terminal.
  --port <n>                sandbox: the port to listen on (0: any free port).
  --name <n>                install, uninstall: the entry's name (default clerk-invitations).
  --dry-run                 install, uninstall: show the change, write nothing.
  -h, --help                Show this help.
  -v, --version             Show the version.

Environment:
  CLERK_PUBLISHABLE_KEY   pk_test_… or pk_live_…: the Frontend API host is derived from it.
  CLERK_FRONTEND_API_URL  Frontend API URL; overrides the host from the key (proxy, custom
                          domain, local server), e.g. https://clerk.example.com.
                          One of these two is required, unless --sandbox.
  CLERK_CLIENT_TOKEN      Client token of a signed-in user who may manage the organization's
                          members. Comes before the credentials file, and is never written to
                          it. Without it and without a login, the server starts, but every tool
                          answers that you should run \`${name} login\`.
  CLERK_SIGN_IN_TICKET    A sign-in token (Clerk Backend API) that the server exchanges at start
                          for a client token, saved in the credentials file; used once.
  CLERK_LOGIN_PAGE_TIMEOUT_MS
                          How long the sign-in page of login --web (or of a tool call with
                          no sign-in) may be left unused, in ms; default 600000 (10 min).
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
  CLERK_READ_ONLY         1 to serve only the read-only tools (as --read-only).
  CLERK_TOOLS             As --tools, e.g. getOrganizationInvitations,createOrganizationInvitations.
  CLERK_CONFIRM           0 to turn confirmations off (as --no-confirm); default 1.
  CLERK_MCP_HTTP_TOKEN    With --http: the bearer secret requests must carry (32+ characters).
  CLERK_MCP_ALLOWED_HOSTS As --allowed-hosts.
  CLERK_MCP_HTTP_REQUEST_TIMEOUT_MS
                          With --http: time a client has to send a whole request (headers and
                          body), default 30000; a slower one gets 408.
  CLERK_MCP_HTTP_SHUTDOWN_GRACE_MS
                          With --http: how long calls in flight may finish after SIGTERM or
                          SIGINT (new requests get 503), default 10000.
  CLERK_SECRET_KEY        With --hosted: the instance's secret key (sk_live_…/sk_test_…).
  CLERK_BACKEND_API_URL   With --hosted: the Backend API, default https://api.clerk.com.
  CLERK_MCP_PUBLIC_URL    As --public-url.
  CLERK_MCP_ALLOWED_CLIENT_IDS
                          With --hosted: accept only tokens issued to these OAuth
                          applications (client ids, comma-separated); default any.
  CLERK_MCP_TOKEN_CACHE_MS
                          With --hosted: how long a token's verification is reused, default
                          5000 (never past the token's expiry); 0 verifies every request.
  XDG_CONFIG_HOME         The credentials file is $XDG_CONFIG_HOME/clerk-invitations-mcp/
                          credentials.json (default ~/.config/…); mode 0600, one entry per host.

Tokens, tickets and the publishable key never appear in tool output or logs.
`;

/** --help as it reads for the installed bin. */
export const HELP = helpText('clerk-invitations-mcp');
