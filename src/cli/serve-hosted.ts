import type { AuthInfo, McpServer } from '@modelcontextprotocol/server';
import { BackendClient } from '../clerk/backend/client.js';
import { backendExecutor } from '../clerk/backend/executor.js';
import { ClerkTokenVerifier, subjectOf } from '../clerk/backend/token-verifier.js';
import { serverInstructions } from '../clerk/instructions.js';
import { HTTP_CONFIRM_TIMEOUT_MS } from '../engine/confirm.js';
import type { Capability } from '../engine/model.js';
import { log, logUnhandledRejections } from '../log.js';
import { ConfirmationStates } from '../mcp/confirm-step.js';
import { protectedResource, type ProtectedResource } from '../mcp/http/protected-resource.js';
import { isLoopback } from '../loopback.js';
import { createServer } from '../mcp/server.js';
import type { CliOptions } from './arguments.js';
import { confirmationKey, hostedConfigFromEnv, resourceUrl, type HostedConfig } from './hosted-config.js';
import { httpTimings, listenSettings, serveOverHttp } from './serve-http.js';

/** The scopes a client is told to ask for: Clerk's default ones; the tools need only the user's id. */
export const HOSTED_SCOPES = ['profile', 'email'] as const;

export interface HostedServerOptions {
  readonly capability: Capability;
  readonly backend: BackendClient;
  readonly confirm: boolean;
  readonly states: ConfirmationStates;
}

/**
 * The per-request server of hosted mode: its tools act, through the Backend API, as the user of
 * the request's verified token (`authInfo.extra.subject`). A request without one never gets here
 * (the bearer gate answers 401 first); should one arrive, it is refused rather than served as nobody.
 */
export function createHostedServer({ capability, backend, confirm, states }: HostedServerOptions, authInfo: AuthInfo | undefined): McpServer {
  const subject = subjectOf(authInfo);
  if (subject === undefined) throw new Error('a hosted request reached the server without a verified user');
  return createServer({ capability, executor: backendExecutor(backend, subject), instructions: serverInstructions(capability.operations), confirm, states });
}

/** Binds a confirmation to its user and OAuth client: a state minted for one is refused for another. */
const byUser = (authInfo: AuthInfo | undefined): string => `${authInfo?.clientId ?? ''}\0${subjectOf(authInfo) ?? ''}`;

/**
 * `serve --http --hosted`: a server for a whole team, an OAuth 2.1 protected resource whose
 * authorization server is the Clerk instance. Every request's token is verified with the Backend
 * API; the tools act as its user with the secret key, after checking the user may manage the
 * organization's members. With --sandbox, the sandbox plays Clerk (OAuth server and Backend API).
 */
export async function serveHosted(cli: CliOptions, capability: Capability): Promise<void> {
  const host = cli.host ?? '127.0.0.1';
  // Checked before anything starts; on loopback without --public-url, the bound address's (below).
  const publicResource = cli.publicUrl !== undefined || !isLoopback(host) ? resourceUrl(cli.publicUrl, host, '') : undefined;
  // Behind a load balancer, clients' Host is the public URL's: taken unless --allowed-hosts says otherwise.
  const listen = listenSettings(publicResource && !cli.allowedHosts ? { ...cli, allowedHosts: [publicResource.hostname] } : cli);
  let env = cli.env;
  let closeSandbox = async (): Promise<void> => undefined;
  if (cli.sandbox) {
    // Loaded only when asked for: the simulator is not needed to serve Clerk.
    const { startSandbox, sandboxOptionsFromEnv } = await import('../sandbox/simulator.js');
    const sandbox = await startSandbox(sandboxOptionsFromEnv(env));
    closeSandbox = () => sandbox.close();
    env = { ...env, CLERK_FRONTEND_API_URL: sandbox.url, CLERK_BACKEND_API_URL: sandbox.backendApiUrl, CLERK_SECRET_KEY: sandbox.secretKey };
    log(`sandbox: simulated Clerk (OAuth authorization server and Backend API) at ${sandbox.url}; sign in with login_hint admin@sandbox.test or member@sandbox.test`);
  }
  let config: HostedConfig;
  try {
    config = hostedConfigFromEnv(env);
  } catch (error) {
    await closeSandbox();
    throw error;
  }
  if (!config.allowedClientIds) {
    // Clerk's verify answer names no audience: the client id is the one way to tell tokens apart.
    log('CLERK_MCP_ALLOWED_CLIENT_IDS is not set: a token any OAuth application of this Clerk instance obtained (one meant for another resource included) is accepted here. Set it to the client id(s) of the applications meant for this server, comma-separated.');
  }
  const backend = new BackendClient(config.backend);
  logUnhandledRejections(backend);
  const verifier = new ClerkTokenVerifier(backend, { cacheMs: config.tokenCacheMs, allowedClientIds: config.allowedClientIds });
  const states = new ConfirmationStates(HTTP_CONFIRM_TIMEOUT_MS, { key: confirmationKey(config.backend.secretKey), bind: (ctx) => byUser(ctx.http?.authInfo) });
  const timings = httpTimings(cli.env);
  const options: HostedServerOptions = { capability, backend, confirm: cli.confirm, states };
  // Without --public-url the resource's URL needs the bound port; until it is set, just below,
  // requests to /mcp hear 503.
  const gate: { resource?: ProtectedResource } = {};
  const unready = (): Response => Response.json({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'retry-after': '1' } });
  const server = await serveOverHttp(listen, timings, {
    factory: ({ authInfo }) => createHostedServer(options, authInfo),
    authenticate: (request) => (gate.resource ? gate.resource.authenticate(request) : Promise.resolve(unready())),
    routes: (request) => gate.resource?.routes(request),
    client: backend,
    onClose: () => closeSandbox(),
  });
  try {
    const resource = publicResource ?? resourceUrl(undefined, listen.host, server.origin);
    gate.resource = protectedResource({ resource, authorizationServer: config.issuer, scopesSupported: [...HOSTED_SCOPES], verifier, resourceName: 'Clerk organization invitations' });
  } catch (error) {
    await server.stop(0);
    await closeSandbox();
    throw error;
  }
  log(`serving MCP over HTTP at ${server.url} (health: ${server.origin}/healthz), hosted: OAuth resource ${gate.resource.metadata.resource}`);
  log(`requests must carry "Authorization: Bearer <OAuth access token>" issued by ${config.issuer}; metadata at ${gate.resource.metadataUrl}`);
  if (config.allowedClientIds) log(`accepting tokens of ${config.allowedClientIds.length} OAuth application(s) only (CLERK_MCP_ALLOWED_CLIENT_IDS)`);
}
