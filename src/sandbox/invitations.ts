/** Organization invitations, acting as the signed-in user with their role in the organization. */
import { activeSession } from './auth.js';
import { fail } from './errors.js';
import { Params } from './params.js';
import type { Context } from './routes.js';
import { isRole, MANAGE_MEMBERS, newInvitation, ROLE_NAMES, type Invitation, type Organization, type Role, type State } from './state.js';
import type { SandboxUser } from './users.js';

interface OrganizationContext extends Context {
  readonly org: Organization;
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
    return handler({ ...ctx, org: resolveOrganization(ctx.state, user, ctx.params['organization_id'] ?? '') });
  };

function orgInvitations(ctx: OrganizationContext): Invitation[] {
  // Stable sort: same-millisecond invitations keep their newest-first insertion order.
  return ctx.state.invitations
    .filter((i) => i.organization_id === ctx.org.data.id)
    .sort((a, b) => b.created_at - a.created_at);
}

export const listInvitations = inOrganization((ctx) => {
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const statuses = query.statuses('status');
  query.check();
  const matching = orgInvitations(ctx).filter((i) => statuses.length === 0 || statuses.includes(i.status));
  return { data: matching.slice(offset, offset + limit), total_count: matching.length };
});

export const listPending = inOrganization((ctx) => orgInvitations(ctx).filter((i) => i.status === 'pending'));

/** Shared by create and bulk: all-or-nothing, as Clerk validates the whole batch first. */
function invite(ctx: OrganizationContext, emails: string[], role: Role): Invitation[] {
  const repeated = [...new Set(emails.filter((e, i) => emails.indexOf(e) !== i))];
  if (repeated.length > 0) {
    // Which of Clerk's two codes answers an address repeated within one call is unconfirmed.
    throw fail('organization_invitation_not_unique', 'Organizations cannot have duplicate pending invitations for an email address.', { email_addresses: repeated });
  }
  const pending = new Set(orgInvitations(ctx).filter((i) => i.status === 'pending').map((i) => i.email_address));
  const duplicates = emails.filter((e) => pending.has(e));
  if (duplicates.length > 0) {
    const longMessage = `There are already pending invitations for: ${duplicates.join(', ')}.`;
    throw fail('duplicate_record', longMessage, { email_addresses: duplicates });
  }
  const members = [...new Set(emails.filter((e) => ctx.org.members.has(e)))];
  if (members.length > 0) {
    const longMessage = `Already members of ${ctx.org.data.name}: ${members.join(', ')}.`;
    throw fail('already_a_member_in_organization', longMessage, { email_addresses: members });
  }
  const now = Date.now();
  const created = emails.map((email) => newInvitation(ctx.org, email, role, 'pending', now));
  ctx.state.invitations.unshift(...[...created].reverse());
  return created;
}

/**
 * A role key of the instance, or Clerk's answer to one it does not have: 404 resource_not_found
 * naming the parameter, as for a role missing from the instance (unconfirmed for this endpoint).
 */
function knownRole(role: string): Role {
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
  return invite(ctx, [email], knownRole(role))[0];
});

export const bulkCreateInvitations = inOrganization((ctx) => {
  const form = new Params(ctx.form);
  form.rejectUnknown(['email_address', 'role', 'notify']);
  const emails = form.emails('email_address', false);
  const role = form.text('role', true);
  form.boolean('notify');
  if (form.errors.length > 0 || emails.length === 0 || role === undefined) throw form.failure();
  return invite(ctx, emails, knownRole(role));
});

export const revokeInvitation = inOrganization((ctx) => {
  const form = new Params(ctx.form);
  form.rejectUnknown([]);
  form.check();
  const id = ctx.params['invitation_id'] ?? '';
  const invitation = orgInvitations(ctx).find((i) => i.id === id);
  if (invitation === undefined) {
    throw fail('organization_invitation_not_found', `No invitation with ID '${id}' exists in ${ctx.org.data.name}.`);
  }
  if (invitation.status !== 'pending') {
    const longMessage = `Only pending invitations can be revoked; this one is ${invitation.status}.`;
    throw fail('organization_invitation_not_pending', longMessage);
  }
  invitation.status = 'revoked';
  invitation.updated_at = Math.max(Date.now(), invitation.updated_at + 1);
  return invitation;
});
