/** Native authentication: client tokens, and the session a request acts as. */
import type { IncomingMessage } from 'node:http';
import { fail } from './errors.js';
import type { Context } from './routes.js';
import type { Client, Session, State } from './state.js';

/** The presented client token, with or without `Bearer ` (Clerk's mobile SDKs send it raw). */
export const presentedToken = (req: IncomingMessage): string =>
  (req.headers.authorization ?? '').trim().replace(/^Bearer(?:\s+|$)/i, '');

export function requireNative(query: URLSearchParams): void {
  if (query.get('_is_native') !== '1') {
    const longMessage = 'Native clients sending an Authorization header must add the _is_native=1 query parameter.';
    throw fail('authentication_invalid', longMessage);
  }
}

/** Finds the client by either of its accepted tokens. */
export function authenticate(state: State, token: string, query: URLSearchParams): Client {
  requireNative(query);
  const client = state.clientsByToken.get(token);
  if (client === undefined) {
    const longMessage = 'The client token is unknown or was rotated out; use the latest Authorization response header.';
    throw fail('authentication_invalid', longMessage);
  }
  return client;
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
