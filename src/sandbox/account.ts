/** The client itself (`/v1/client`) and the signed-in user's memberships (`/v1/me/…`). */
import { activeSession } from './auth.js';
import { fail } from './errors.js';
import { clientObject, membershipObject } from './objects.js';
import { Params } from './params.js';
import type { Context } from './routes.js';
import { forgetClient, membershipsOf } from './state.js';

/** Without a client token Clerk has no client to show: `{ response: null, client: null }`. */
export function getClient(ctx: Context): unknown {
  return ctx.client === undefined ? null : clientObject(ctx.state, ctx.client);
}

/**
 * Ends every session and removes the client: its token is stale from then on, and the answer clears
 * it (`Authorization: Bearer `). Without a client (no token, or a stale one) there is nothing to
 * end: 404, one of the answers Clerk documents (which one a stale token gets is not documented).
 */
export function deleteClient(ctx: Context): unknown {
  const client = ctx.client;
  if (client === undefined || ctx.staleToken) throw fail('resource_not_found', 'There is no client to delete: sign in first.');
  const now = Date.now();
  for (const session of client.sessions.filter((s) => s.status === 'active')) {
    session.status = 'ended';
    session.updatedAt = now;
  }
  client.lastActiveSessionId = null;
  client.updatedAt = now;
  forgetClient(ctx.state, client);
  ctx.clearToken = true;
  return clientObject(ctx.state, client);
}

export function listMemberships(ctx: Context): unknown {
  const { user } = activeSession(ctx);
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const paginated = query.boolean('paginated') ?? false;
  query.check();
  const all = membershipsOf(ctx.state, user).map(({ org, membership }) => membershipObject(ctx.state, org, membership, user));
  const page = all.slice(offset, offset + limit);
  // The spec allows both shapes; Clerk answers the paginated one only when asked.
  return paginated ? { data: page, total_count: all.length } : page;
}
