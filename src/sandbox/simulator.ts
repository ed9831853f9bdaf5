/**
 * An embedded, in-memory simulator of the slice of Clerk's Frontend API this project talks to:
 * organization invitations, native sign-in, the client and its sessions, the user's memberships;
 * the instance's OAuth authorization server on the same host; and, at `/bapi/v1`, the slice of
 * the Backend API a hosted server uses, sharing the Frontend API's state.
 * It is deliberately as strict as Clerk: native auth with rotating client tokens, form-encoded
 * bodies, Clerk's envelopes and error codes. Code that works against it should work against
 * Clerk, and a client bug should fail here first.
 *
 * Never writes to stdout: it runs inside a stdio MCP server.
 */
import { createServer } from 'node:http';
import { BACKEND_API_PATH, createBackendApi, isBackendPath, respondBackend, type BackendRequest } from './backend/server.js';
import { isOAuthPath, respondOAuth } from './oauth/server.js';
import { createOAuthState, DEFAULT_ACCESS_TOKEN_TTL_SECONDS, DEFAULT_CODE_TTL_SECONDS } from './oauth/state.js';
import { respond, send } from './pipeline.js';
import { sendReply, splitTarget, type Reply } from './reply.js';
import { issueTicket } from './sign-in.js';
import { createState, randomBase62 } from './state.js';
import { SANDBOX_USERS } from './users.js';

export type { BackendRequest } from './backend/server.js';
export { SANDBOX_ENV, sandboxOptionsFromEnv, type SandboxEnvOptions } from './options.js';

export { SANDBOX_BACKUP_CODE, SANDBOX_CODE, SANDBOX_PASSWORD, SANDBOX_USERS, type SandboxUser } from './users.js';

/** Where the sandbox listens, and how its instance is configured. */
export interface SandboxOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default `0` (a free one). */
  port?: number;
  /** `false`: every Frontend API request answers 400 `native_api_disabled`, as an instance without the Native API does. Default `true`. */
  nativeApi?: boolean;
  /** The Backend API's secret key; default a fresh `sk_test_…` for every start. */
  secretKey?: string;
  /** Lifetime of OAuth access tokens in seconds; default Clerk's 86400 (1 day). Tests set a few seconds to see tokens expire. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of OAuth authorization codes in seconds; default Clerk's 600. */
  authorizationCodeTtlSeconds?: number;
  /**
   * The Backend API's rate limit per instance, e.g. Clerk's development one `{ requests: 100, windowSeconds: 10 }`:
   * past it, 429 with `Retry-After`. Default: none, so that load tests measure the server, not the limit.
   */
  backendRateLimit?: { requests: number; windowSeconds: number };
}

export interface AccessTokenDescription {
  readonly userId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly revoked: boolean;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** A running sandbox. Every `startSandbox()` has its own fresh state. */
export interface Sandbox {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`: the Frontend API, and the OAuth issuer. */
  readonly url: string;
  /** The Backend API's base URL, `<url>/bapi/v1` (Clerk's is `https://api.clerk.com/v1`). */
  readonly backendApiUrl: string;
  /** The Backend API's secret key (`Authorization: Bearer <secretKey>`). A sandbox-only value, fine to print. */
  readonly secretKey: string;
  /**
   * A publishable key naming the sandbox's host (`pk_test_` + base64 of `<host:port>$`), as Clerk's
   * encode the Frontend API host. Clients derive `https://<host>` from one, and the sandbox speaks
   * plain http: point them at `url` (CLERK_FRONTEND_API_URL) as well.
   */
  readonly publishableKey: string;
  /** Every request the Backend API received (up to the last 10,000), oldest first: for tests asserting what was, or was not, sent. */
  readonly backendRequests: readonly BackendRequest[];
  /** The pre-signed-in admin client's token; changes after every successful POST (rotation), and the previous one is stale at once. */
  readonly clientToken: string;
  /** `sess_…` of the pre-signed-in admin user. */
  readonly sessionId: string;
  /** That session's `last_active_token` JWT, which appears in every `client` envelope of that client. */
  readonly sessionJwt: string;
  /**
   * Mints a single-use sign-in ticket (Clerk's Backend API "sign-in token"), valid 10 minutes, for
   * `POST /v1/client/sign_ins` with `strategy=ticket`. Throws for an id not in `SANDBOX_USERS`.
   */
  issueSignInTicket(userId?: string): string;
  /**
   * What an OAuth access token stands for, including the RFC 8707 `resource` values of its
   * authorization, which Clerk's verify answer does not show: for tests asserting what a client
   * asked for. Undefined for a token the sandbox did not issue.
   */
  describeAccessToken(token: string): AccessTokenDescription | undefined;
  /** Stops listening and closes keep-alive sockets. */
  close(): Promise<void>;
}

/**
 * Starts a Clerk Frontend API simulator on loopback with fresh in-memory state: `org_sandbox`
 * (seeded invitations; `SANDBOX_USERS.admin` and `.mfa` are `org:admin`, `.member` is `org:member`),
 * `org_readonly` (the admin is a member, org:member), and one client where the admin is already
 * signed in. Clients call it exactly like Clerk in native mode: `?_is_native=1` and
 * `Authorization: Bearer <client token>`, keeping the token from each response; or they sign in
 * with `POST /v1/client/sign_ins`. The same host is the OAuth issuer (`/.well-known/…`, `/oauth/…`),
 * and `backendApiUrl` the Backend API, with `secretKey`.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = createState();
  const pipeline = { nativeApi: options.nativeApi ?? true };
  const oauth = createOAuthState({
    accessTokenTtlMs: positiveSeconds(options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 'accessTokenTtlSeconds') * 1000,
    codeTtlMs: positiveSeconds(options.authorizationCodeTtlSeconds ?? DEFAULT_CODE_TTL_SECONDS, 'authorizationCodeTtlSeconds') * 1000,
  });
  const limit = options.backendRateLimit;
  const backend = createBackendApi(
    options.secretKey ?? `sk_test_${randomBase62(40)}`,
    limit === undefined ? undefined : { requests: Math.max(1, Math.floor(limit.requests)), windowMs: positiveSeconds(limit.windowSeconds, 'backendRateLimit.windowSeconds') * 1000 },
  );
  let issuer = ''; // Known once the port is bound; no request arrives before.
  const server = createServer((req, res) => {
    const { path } = splitTarget(req.url ?? '/');
    const reply = (answer: Promise<Reply>): void => {
      // The responders and sendReply catch everything; this only guards against the impossible.
      answer.then((r) => sendReply(res, r)).catch(() => res.destroy());
    };
    if (isBackendPath(path)) reply(respondBackend(state, oauth, backend, req));
    else if (isOAuthPath(path)) reply(respondOAuth(state, oauth, issuer, req));
    else respond(state, pipeline, req).then((answer) => send(res, answer), () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('Sandbox server did not bind a TCP port');
  const { address, port } = bound;
  const host = address.includes(':') ? `[${address}]` : address;
  const { client, session } = state.seed;
  issuer = `http://${host}:${port}`;
  return {
    url: issuer,
    backendApiUrl: `${issuer}${BACKEND_API_PATH}`,
    secretKey: backend.secretKey,
    publishableKey: `pk_test_${Buffer.from(`${host}:${port}$`).toString('base64')}`,
    backendRequests: backend.received,
    get clientToken() {
      return client.token;
    },
    sessionId: session.id,
    sessionJwt: session.jwt,
    issueSignInTicket: (userId = SANDBOX_USERS.admin.id) => issueTicket(state, userId),
    describeAccessToken: (value) => {
      const token = oauth.accessTokens.get(value);
      if (token === undefined) return undefined;
      const { user, clientId, scopes, resources } = token.grant;
      return { userId: user.id, clientId, scopes: [...scopes], resources: [...resources], revoked: token.revoked, expiresAt: token.expiresAt };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function positiveSeconds(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds, not ${value}`);
  return value;
}
