/** `GET /users/{user_id}/organization_memberships`: what the user may do in each organization. */
import { membershipsOf } from '../state.js';
import { findUser } from '../oauth/users.js';
import { Params } from '../params.js';
import type { BackendContext } from './context.js';
import { backendMembership } from './objects.js';

export function listUserMemberships(ctx: BackendContext): unknown {
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  query.check();
  const user = findUser(ctx.oauth, ctx.params['user_id'] ?? '');
  // An unknown user has no memberships; what Clerk answers for one is not in its spec (200 or 403 only).
  const all = user === undefined ? [] : membershipsOf(ctx.state, user).map(({ org, membership }) => backendMembership(ctx.state, org, membership, user));
  return { data: all.slice(offset, offset + limit), total_count: all.length };
}
