/** Native authentication: client tokens, and the session a request acts as. */
import type { IncomingMessage } from 'node:http';
import { fail } from './errors.js';
import type { Context } from './routes.js';
import { newClient, registerClient, type Client, type Session, type State } from './state.js';

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
  return { client: replacement, stale: true };
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
