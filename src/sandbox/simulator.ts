/**
 * An embedded, in-memory simulator of the slice of Clerk's Frontend API this project talks to:
 * organization invitations, native sign-in, the client and its sessions, the user's memberships.
 * It is deliberately as strict as Clerk: native auth with rotating client tokens, form-encoded
 * bodies, Clerk's envelopes and error codes. Code that works against it should work against
 * Clerk, and a client bug should fail here first.
 *
 * Never writes to stdout: it runs inside a stdio MCP server.
 */
import { createServer } from 'node:http';
import { respond, send } from './pipeline.js';
import { issueTicket } from './sign-in.js';
import { createState } from './state.js';
import { SANDBOX_USERS } from './users.js';

export { SANDBOX_BACKUP_CODE, SANDBOX_CODE, SANDBOX_PASSWORD, SANDBOX_USERS, type SandboxUser } from './users.js';

/** Where the sandbox listens, and how its instance is configured. */
export interface SandboxOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default `0` (a free one). */
  port?: number;
  /** `false`: every request answers 400 `native_api_disabled`, as an instance without the Native API does. Default `true`. */
  nativeApi?: boolean;
}

/** A running sandbox. Every `startSandbox()` has its own fresh state. */
export interface Sandbox {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
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
  /** Stops listening and closes keep-alive sockets. */
  close(): Promise<void>;
}

/**
 * Starts a Clerk Frontend API simulator on loopback with fresh in-memory state: `org_sandbox`
 * (seeded invitations; `SANDBOX_USERS.admin` and `.mfa` are `org:admin`), `org_readonly` (the
 * admin is a member, org:member), and one client where the admin is already signed in. Clients call it
 * exactly like Clerk in native mode: `?_is_native=1` and `Authorization: Bearer <client token>`,
 * keeping the token from each response; or they sign in with `POST /v1/client/sign_ins`.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = createState();
  const pipeline = { nativeApi: options.nativeApi ?? true };
  const server = createServer((req, res) => {
    respond(state, pipeline, req).then(
      (answer) => send(res, answer),
      () => res.destroy(), // respond() catches everything; this only guards against the impossible.
    );
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
  return {
    url: `http://${host}:${port}`,
    get clientToken() {
      return client.token;
    },
    sessionId: session.id,
    sessionJwt: session.jwt,
    issueSignInTicket: (userId = SANDBOX_USERS.admin.id) => issueTicket(state, userId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
