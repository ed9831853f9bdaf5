/** Organization invitations, acting as the signed-in user with their role in the organization. */
import { activeSession } from './auth.js';
import { fail } from './errors.js';
import { Params } from './params.js';
import type { Context } from './context.js';
import { DAY_MS, isRole, MANAGE_MEMBERS, newInvitation, ROLE_NAMES, type Invitation, type Organization, type Role, type State } from './state.js';
import type { SandboxUser } from './users.js';

interface OrganizationContext extends Context {
  readonly org: Organization;
  readonly user: SandboxUser;
}

function resolveOrganization(state: State, user: SandboxUser, id: string): Organization {
  const org = state.orgs.get(id);
  const role = org?.members.get(user.email)?.role;
  if (org === undefined || role === undefined) {
    const longMessage = `Organization '${id}' does not exist, or the current user is not a member.`;
    throw fail('organization_not_found_or_unauthorized', longMessage);
  }
  if (role !== 'org:admin') {
    const longMessage = `The current user lacks the permission ${MANAGE_MEMBERS} in ${org.data.name}.`;
    throw fail('missing_organization_permission', longMessage, { permissions: [MANAGE_MEMBERS] });
  }
  return org;
}

/** Runs the handler in the path's organization, which the session's user must be allowed to manage. */
const inOrganization =
  (handler: (ctx: OrganizationContext) => unknown) =>
  (ctx: Context): unknown => {
    const { user } = activeSession(ctx);
    return handler({ ...ctx, user, org: resolveOrganization(ctx.state, user, ctx.params['organization_id'] ?? '') });
  };

/** The organization's invitations, newest first. Shared with the Backend API simulator. */
export function orgInvitations(state: State, org: Organization): Invitation[] {
  // Stable sort: same-millisecond invitations keep their newest-first insertion order.
  return state.invitations.filter((i) => i.organization_id === org.data.id).sort((a, b) => b.created_at - a.created_at);
}

export const listInvitations = inOrganization((ctx) => {
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const statuses = query.statuses('status');
  query.check();
  const matching = orgInvitations(ctx.state, ctx.org).filter((i) => statuses.length === 0 || statuses.includes(i.status));
  return { data: matching.slice(offset, offset + limit), total_count: matching.length };
});

export const listPending = inOrganization((ctx) => orgInvitations(ctx.state, ctx.org).filter((i) => i.status === 'pending'));

/** One invitation to create: what the Frontend API form or a Backend API JSON body asked for. */
export interface InvitationRequest {
  readonly email: string;
  readonly role: Role;
  /** The user who sends it (the session's user; the Backend API's `inviter_user_id`), shown by the Backend API only. */
  readonly inviterId: string | null;
  readonly publicMetadata?: Record<string, unknown> | undefined;
  readonly privateMetadata?: Record<string, unknown> | undefined;
  readonly expiresInDays?: number | undefined;
}

/**
 * Shared by both APIs' create and bulk: all-or-nothing, as Clerk validates the whole batch first.
 * The caller has checked the inviter's permission.
 */
export function invite(state: State, org: Organization, requests: readonly InvitationRequest[]): Invitation[] {
  const emails = requests.map((r) => r.email);
  const repeated = [...new Set(emails.filter((e, i) => emails.indexOf(e) !== i))];
  if (repeated.length > 0) {
    // Which of Clerk's two codes answers an address repeated within one call is unconfirmed.
    throw fail('organization_invitation_not_unique', 'Organizations cannot have duplicate pending invitations for an email address.', { email_addresses: repeated });
  }
  const pending = new Set(orgInvitations(state, org).filter((i) => i.status === 'pending').map((i) => i.email_address));
  const duplicates = emails.filter((e) => pending.has(e));
  if (duplicates.length > 0) {
    const longMessage = `There are already pending invitations for: ${duplicates.join(', ')}.`;
    throw fail('duplicate_record', longMessage, { email_addresses: duplicates });
  }
  const members = [...new Set(emails.filter((e) => org.members.has(e)))];
  if (members.length > 0) {
    const longMessage = `Already members of ${org.data.name}: ${members.join(', ')}.`;
    throw fail('already_a_member_in_organization', longMessage, { email_addresses: members });
  }
  const now = Date.now();
  const created = requests.map((request) => {
    const invitation = newInvitation(org, request.email, request.role, 'pending', now);
    if (request.publicMetadata !== undefined) invitation.public_metadata = { ...request.publicMetadata };
    if (request.expiresInDays !== undefined) invitation.expires_at = now + request.expiresInDays * DAY_MS;
    state.invitationBackendData.set(invitation.id, { inviterId: request.inviterId, privateMetadata: { ...request.privateMetadata } });
    return invitation;
  });
  state.invitations.unshift(...[...created].reverse());
  return created;
}

/** Revokes a pending invitation of the organization, or answers Clerk's error. Shared by both APIs. */
export function revoke(state: State, org: Organization, id: string): Invitation {
  const invitation = orgInvitations(state, org).find((i) => i.id === id);
  if (invitation === undefined) {
    throw fail('organization_invitation_not_found', `No invitation with ID '${id}' exists in ${org.data.name}.`);
  }
  if (invitation.status !== 'pending') {
    const longMessage = `Only pending invitations can be revoked; this one is ${invitation.status}.`;
    throw fail('organization_invitation_not_pending', longMessage);
  }
  invitation.status = 'revoked';
  invitation.updated_at = Math.max(Date.now(), invitation.updated_at + 1);
  return invitation;
}

/**
 * A role key of the instance, or Clerk's answer to one it does not have: 404 resource_not_found
 * naming the parameter, as for a role missing from the instance (unconfirmed for this endpoint).
 */
export function knownRole(role: string): Role {
  if (isRole(role)) return role;
  throw fail('resource_not_found', `No role '${role}' exists on this instance; its roles are: ${Object.keys(ROLE_NAMES).join(', ')}.`, { param_name: 'role' });
}

export const createInvitation = inOrganization((ctx) => {
  const form = new Params(ctx.form);
  form.rejectUnknown(['email_address', 'role', 'notify']);
  const [email] = form.emails('email_address', true);
  const role = form.text('role', true);
  form.boolean('notify'); // Accepted and validated; the sandbox sends no email either way.
  if (form.errors.length > 0 || email === undefined || role === undefined) throw form.failure();
  return invite(ctx.state, ctx.org, [{ email, role: knownRole(role), inviterId: ctx.user.id }])[0];
});

export const bulkCreateInvitations = inOrganization((ctx) => {
  const form = new Params(ctx.form);
  form.rejectUnknown(['email_address', 'role', 'notify']);
  const emails = form.emails('email_address', false);
  const role = form.text('role', true);
  form.boolean('notify');
  if (form.errors.length > 0 || emails.length === 0 || role === undefined) throw form.failure();
  const known = knownRole(role);
  return invite(ctx.state, ctx.org, emails.map((email) => ({ email, role: known, inviterId: ctx.user.id })));
});

export const revokeInvitation = inOrganization((ctx) => {
  const form = new Params(ctx.form);
  form.rejectUnknown([]);
  form.check();
  return revoke(ctx.state, ctx.org, ctx.params['invitation_id'] ?? '');
});
