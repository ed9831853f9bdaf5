import { randomBytes } from 'node:crypto';
import { HTTP_CONFIRM_TIMEOUT_MS } from '../engine/confirm.js';
import { ConfigError } from '../errors.js';
import { wholeNumber } from '../clerk/settings.js';
import { command } from '../invocation.js';
import { log } from '../log.js';
import { ConfirmationStates } from '../mcp/confirm-step.js';
import { bearerSecret } from '../mcp/http/bearer-secret.js';
import { isLoopback } from '../loopback.js';
import { hostNames } from '../mcp/http/hosts.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS, type Authenticate, type ExtraRoutes, type HttpServerOptions } from '../mcp/http/options.js';
import { serveHttp } from '../mcp/http/serve.js';
import type { HttpServer } from '../mcp/http/server.js';
import type { Env } from '../env.js';
import type { Redactor } from '../log.js';
import type { CliOptions } from './arguments.js';
import { createClerkServer, servingClerk, type ServeOptions } from './serve.js';

/** The bearer secret's variable; without it a secret is generated and printed once. */
export const HTTP_TOKEN_VARIABLE = 'CLERK_MCP_HTTP_TOKEN';
// A secret set by hand shorter than this is refused: it could be guessed.
const MIN_SECRET_LENGTH = 32;

/** Where the HTTP server listens and which Host names it takes. */
export interface ListenSettings {
  readonly host: string;
  readonly port: number;
  readonly allowedHosts: string[] | undefined;
}

/** Where to listen and which Host names to take: fails closed, naming the fix, when that is unclear. */
export function listenSettings(cli: CliOptions): ListenSettings {
  const host = cli.host ?? '127.0.0.1';
  let allowedHosts: string[] | undefined;
  try {
    allowedHosts = cli.allowedHosts && hostNames(cli.allowedHosts);
  } catch (error) {
    throw new ConfigError(`--allowed-hosts (or CLERK_MCP_ALLOWED_HOSTS): ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isLoopback(host) && !allowedHosts?.length) {
    throw new ConfigError(
      `--host ${host} is not a loopback address, so the Host names clients reach this server by must be listed (a check against DNS rebinding): add --allowed-hosts <names>, e.g. --allowed-hosts mcp.example.com, or set CLERK_MCP_ALLOWED_HOSTS`,
    );
  }
  // Loopback names stay allowed with a loopback bind, whatever else is listed.
  if (allowedHosts && isLoopback(host)) allowedHosts = [...new Set([...allowedHosts, 'localhost', '127.0.0.1', '[::1]'])];
  return { host, port: cli.port ?? 0, allowedHosts };
}

/** The secret every request must carry: CLERK_MCP_HTTP_TOKEN, or a new random one (then `generated`). */
export function localSecret(cli: CliOptions): { secret: string; generated: boolean } {
  const given = cli.env[HTTP_TOKEN_VARIABLE]?.trim();
  if (given) {
    if (given.length < MIN_SECRET_LENGTH || /\s/.test(given)) throw new ConfigError(`${HTTP_TOKEN_VARIABLE} must be at least ${MIN_SECRET_LENGTH} characters without spaces (e.g. from \`openssl rand -base64 32\`), or unset to have one generated`);
    return { secret: given, generated: false };
  }
  return { secret: randomBytes(32).toString('base64url'), generated: true };
}

/** How long either HTTP mode gives a client to send a request, and calls in flight to finish at shutdown. */
export interface HttpTimings {
  readonly requestTimeoutMs: number;
  readonly graceMs: number;
}

/** The HTTP timings from CLERK_MCP_HTTP_REQUEST_TIMEOUT_MS and CLERK_MCP_HTTP_SHUTDOWN_GRACE_MS. */
export function httpTimings(env: Env): HttpTimings {
  return {
    requestTimeoutMs: wholeNumber(env, 'CLERK_MCP_HTTP_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS, 100, 600_000, 'milliseconds'),
    graceMs: wholeNumber(env, 'CLERK_MCP_HTTP_SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000, 'milliseconds'),
  };
}

/** What a mode (local or hosted) serves over HTTP: its server per request, how requests are let in, and its Clerk client. */
export interface HttpServing {
  readonly factory: HttpServerOptions['factory'];
  readonly authenticate: Authenticate;
  readonly routes?: ExtraRoutes;
  /** Redacts what the server logs; stopped once the calls in flight have finished. */
  readonly client: Redactor & { stop(): void };
  /** Runs after the client is stopped: e.g. closes the sandbox. */
  readonly onClose: () => Promise<void>;
}

/**
 * Serves `serving` over Streamable HTTP until SIGTERM or SIGINT. Calls in flight, and those waiting
 * for a slot to Clerk, finish within the grace period (new requests hear 503 meanwhile); the client
 * is stopped only after it: a hosted call between its membership check and its write would
 * otherwise fail halfway.
 */
export function serveOverHttp(listen: ListenSettings, { requestTimeoutMs, graceMs }: HttpTimings, { factory, authenticate, routes, client, onClose }: HttpServing): Promise<HttpServer> {
  return serveHttp(
    {
      factory,
      authenticate,
      ...(routes && { routes }),
      host: listen.host,
      port: listen.port,
      ...(listen.allowedHosts && { allowedHosts: listen.allowedHosts }),
      requestTimeoutMs,
      onerror: (error) => log(`http: ${error.message}`, client),
    },
    {
      onClose: async () => {
        client.stop();
        await onClose();
      },
      graceMs,
    },
  );
}

/**
 * `serve --http` in local mode: the stdio server's sign-in (stored credentials, CLERK_CLIENT_TOKEN,
 * a ticket, or the sandbox), over Streamable HTTP on loopback, each request carrying the bearer
 * secret. Everything it says goes to stderr; stdout stays unused.
 */
export async function serveLocalHttp({ cli, capability, settings }: ServeOptions): Promise<void> {
  const listen = listenSettings(cli);
  const { secret, generated } = localSecret(cli);
  const timings = httpTimings(cli.env);
  const serving = await servingClerk({ cli, settings });
  const { clerk, onClose } = serving;
  // The sign-in page listens on this machine's 127.0.0.1: a client elsewhere could not open it, and
  // anyone who can reach the server could start pages. Offered on a loopback bind only.
  const signIn = isLoopback(listen.host) ? serving.signIn : undefined;
  if (serving.signIn && !signIn) log(`the sign-in page is not offered to clients: --host ${listen.host} is not a loopback address; sign in on this machine with \`${command('login')}\``);
  // One signer for every request's server: a question asked in one request is answered in the next.
  const states = new ConfirmationStates(HTTP_CONFIRM_TIMEOUT_MS);
  const server = await serveOverHttp(listen, timings, {
    factory: () => createClerkServer({ capability, clerk, confirm: cli.confirm, states, signIn }),
    authenticate: bearerSecret(secret),
    client: clerk,
    onClose,
  });
  log(`serving MCP over HTTP at ${server.url} (health: ${server.origin}/healthz)`);
  // Shown once, here, and nowhere else; a secret from the environment is never shown.
  if (generated) log(`bearer secret for this run (send "Authorization: Bearer <secret>"; set ${HTTP_TOKEN_VARIABLE} to choose your own): ${secret}`);
  else log(`requests must carry "Authorization: Bearer <${HTTP_TOKEN_VARIABLE}>"`);
}
