/** Native authentication: client tokens, and the session a request acts as. */
import type { IncomingMessage } from 'node:http';
import { fail } from './errors.js';
import type { Context } from './context.js';
import { forgetClient, newClient, registerClient, type Client, type Session, type State } from './state.js';

/** The presented client token, with or without `Bearer ` (Clerk's mobile SDKs send it raw). */
export const presentedToken = (req: IncomingMessage): string =>
  (req.headers.authorization ?? '').trim().replace(/^Bearer(?:\s+|$)/i, '');

export function requireNative(query: URLSearchParams): void {
  if (query.get('_is_native') !== '1') {
    const longMessage = 'Native clients sending an Authorization header must add the _is_native=1 query parameter.';
    throw fail('authentication_invalid', longMessage);
  }
}

/**
 * Finds the client a token belongs to. A stale or unknown token gets a brand-new client without
 * sessions (registered, its token sent back), as Clerk answers one: for `GET /v1/client` a 200 with
 * that client, for endpoints that need a session the 401 `signed_out` of any signed-out client.
 * What Clerk answers a stale token on session-requiring endpoints is not documented; 401 is the
 * answer its SDKs' recovery (re-read, sign in again) handles either way.
 */
export function authenticate(state: State, token: string, query: URLSearchParams): { client: Client; stale: boolean } {
  requireNative(query);
  const client = state.clientsByToken.get(token);
  if (client !== undefined) return { client, stale: false };
  const replacement = newClient();
  registerClient(state, replacement);
  forgetIdleClients(state, MAX_IDLE_CLIENTS);
  return { client: replacement, stale: true };
}

/** Clients that never signed anyone in, kept at most: every stale or unknown token makes one. */
export const MAX_IDLE_CLIENTS = 1000;

/**
 * Forgets the oldest clients with no session and no sign-in under way beyond `max`, so that a
 * stream of unknown tokens cannot grow the sandbox without bound. A forgotten client's token is
 * then unknown, which gets it a new client: what a client that nobody used can expect.
 */
function forgetIdleClients(state: State, max: number): void {
  let idle = 0;
  for (const client of state.clients.values()) if (client.sessions.length === 0 && client.signIn === null) idle++;
  // Maps iterate in insertion order: the oldest first.
  for (const client of state.clients.values()) {
    if (idle <= max) return;
    if (client.sessions.length === 0 && client.signIn === null) {
      forgetClient(state, client);
      idle--;
    }
  }
}

export function requireClient(ctx: Context): Client {
  if (ctx.client === undefined) throw fail('signed_out', 'You are signed out.');
  return ctx.client;
}

/** The session `_clerk_session_id` names, else the client's last active one; it must be active. */
export function activeSession(ctx: Context): Session {
  const client = requireClient(ctx);
  const wanted = ctx.query.get('_clerk_session_id');
  const session = client.sessions.find((s) => s.id === (wanted ?? client.lastActiveSessionId));
  if (session?.status !== 'active') {
    const longMessage =
      wanted === null ? 'This client has no active session: sign in again.' : `Session '${wanted}' is not an active session of this client.`;
    throw fail('signed_out', longMessage);
  }
  session.updatedAt = Date.now();
  return session;
}
