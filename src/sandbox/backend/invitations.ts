/**
 * The Backend API's organization invitations: the same invitations as the Frontend API's (one
 * state), acting with the secret key; `inviter_user_id` / `requesting_user_id` must be admins.
 */
import { fail } from '../errors.js';
import { invite, knownRole, orgInvitations, revoke, type InvitationRequest } from '../invitations.js';
import { findUser } from '../oauth/users.js';
import { Params } from '../params.js';
import { MANAGE_MEMBERS, ROLE_PERMISSIONS, type Invitation, type Organization } from '../state.js';
import { bodyObject, type BackendContext } from './context.js';
import { Fields } from './fields.js';
import { backendInvitation } from './objects.js';

/** Clerk's bulk endpoint takes at most 10 invitations per call. */
const MAX_BULK = 10;
const INVITATION_FIELDS = ['email_address', 'inviter_user_id', 'role', 'public_metadata', 'private_metadata', 'redirect_url', 'expires_in_days', 'notify'];

function organization(ctx: BackendContext): Organization {
  const id = ctx.params['organization_id'] ?? '';
  const org = ctx.state.orgs.get(id);
  if (org === undefined) throw fail('resource_not_found', `No organization with ID '${id}' exists.`, { param_name: 'organization_id' });
  return org;
}

/** The acting user named in the body must be allowed to manage the organization's members (Clerk: "an administrator"). */
function requireAdmin(ctx: BackendContext, org: Organization, userId: string, param: string): void {
  const user = findUser(ctx.oauth, userId);
  if (user === undefined) throw fail('resource_not_found', `No user with ID '${userId}' exists.`, { param_name: param });
  const role = org.members.get(user.email)?.role;
  if (role === undefined) {
    throw fail('not_a_member_in_organization', `User '${userId}' is not a member of ${org.data.name}. Only organization members can perform this action.`);
  }
  if (!(ROLE_PERMISSIONS[role] as readonly string[]).includes(MANAGE_MEMBERS)) {
    throw fail('not_an_admin_in_organization', `User '${userId}' is not an administrator in ${org.data.name}. Only administrators can perform this action.`);
  }
}

const present = (ctx: BackendContext, invitations: Invitation[]): Record<string, unknown>[] =>
  invitations.map((i) => backendInvitation(ctx.state, i, (id) => findUser(ctx.oauth, id)));

/** One invitation of a create or bulk body, validated; its inviter checked. */
function invitationRequest(ctx: BackendContext, org: Organization, value: Record<string, unknown>): InvitationRequest {
  const fields = new Fields(value);
  fields.rejectUnknown(INVITATION_FIELDS);
  const email = fields.email('email_address');
  const role = fields.string('role', true);
  const inviterId = fields.string('inviter_user_id', false);
  const publicMetadata = fields.object('public_metadata');
  const privateMetadata = fields.object('private_metadata');
  fields.string('redirect_url', false); // Accepted; the sandbox sends no email, so no link to redirect from.
  const expiresInDays = fields.integer('expires_in_days', 1, 365);
  fields.boolean('notify');
  fields.check();
  if (email === undefined || role === undefined) throw new Error('unreachable: Fields.check() reports missing fields');
  if (inviterId !== undefined) requireAdmin(ctx, org, inviterId, 'inviter_user_id');
  return { email, role: knownRole(role), inviterId: inviterId ?? null, publicMetadata, privateMetadata, expiresInDays };
}

export function createInvitation(ctx: BackendContext): unknown {
  const org = organization(ctx);
  const [created] = present(ctx, invite(ctx.state, org, [invitationRequest(ctx, org, bodyObject(ctx))]));
  return created;
}

export function bulkCreateInvitations(ctx: BackendContext): unknown {
  const org = organization(ctx);
  if (!Array.isArray(ctx.body) || ctx.body.length === 0 || ctx.body.length > MAX_BULK) {
    throw fail('bad_request', `The request body must be a JSON array of 1 to ${MAX_BULK} invitations.`);
  }
  const requests = ctx.body.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw fail('bad_request', 'Every item of the array must be a JSON object.');
    return invitationRequest(ctx, org, item as Record<string, unknown>);
  });
  const data = present(ctx, invite(ctx.state, org, requests));
  return { data, total_count: data.length };
}

const ORDERS = ['created_at', '+created_at', '-created_at', 'email_address', '+email_address', '-email_address'];

export function listInvitations(ctx: BackendContext): unknown {
  const org = organization(ctx);
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const statuses = query.statuses('status');
  const email = query.text('email_address', false)?.toLowerCase();
  const order = query.choice('order_by', false, ORDERS) ?? '-created_at';
  query.check();
  const matching = orgInvitations(ctx.state, org).filter((i) => (statuses.length === 0 || statuses.includes(i.status)) && (email === undefined || i.email_address === email));
  const direction = order.startsWith('-') ? -1 : 1;
  const byEmail = order.endsWith('email_address');
  // Stable: ties keep the newest-first order.
  matching.sort((a, b) => direction * (byEmail ? a.email_address.localeCompare(b.email_address) : a.created_at - b.created_at));
  return { data: present(ctx, matching.slice(offset, offset + limit)), total_count: matching.length };
}

export function listPendingInvitations(ctx: BackendContext): unknown {
  const org = organization(ctx);
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  query.check();
  const pending = orgInvitations(ctx.state, org).filter((i) => i.status === 'pending');
  return { data: present(ctx, pending.slice(offset, offset + limit)), total_count: pending.length };
}

export function getInvitation(ctx: BackendContext): unknown {
  const org = organization(ctx);
  const id = ctx.params['invitation_id'] ?? '';
  const invitation = orgInvitations(ctx.state, org).find((i) => i.id === id);
  if (invitation === undefined) throw fail('organization_invitation_not_found', `No invitation with ID '${id}' exists in ${org.data.name}.`);
  return present(ctx, [invitation])[0];
}

export function revokeInvitation(ctx: BackendContext): unknown {
  const org = organization(ctx);
  const fields = new Fields(bodyObject(ctx));
  fields.rejectUnknown(['requesting_user_id']);
  const requestingUserId = fields.string('requesting_user_id', false);
  fields.check();
  if (requestingUserId !== undefined) requireAdmin(ctx, org, requestingUserId, 'requesting_user_id');
  const [revoked] = present(ctx, [revoke(ctx.state, org, ctx.params['invitation_id'] ?? '')]);
  return revoked;
}
