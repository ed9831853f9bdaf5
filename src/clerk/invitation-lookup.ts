import { listMemberships } from './account.js';
import type { ClerkClient } from './client.js';
import type { InvitationSummary, QuestionContext } from '../engine/confirm.js';
import { isRecord, nonEmptyText as text } from '../json.js';

// Clerk's largest page; a few pages cover any organization's pending invitations.
const PAGE = 500;
const MAX_PAGES = 4;

/**
 * Finds a pending invitation by id in its organization's list (`GET …/invitations?status=pending`),
 * or undefined when it is not there. Reads only; a failed read throws.
 */
export async function findPendingInvitation(clerk: ClerkClient, organizationId: string, invitationId: string, signal?: AbortSignal): Promise<InvitationSummary | undefined> {
  for (let page = 0; page < MAX_PAGES; page++) {
    const { response } = await clerk.request({
      method: 'GET',
      path: `/v1/organizations/${encodeURIComponent(organizationId)}/invitations`,
      query: { status: 'pending', limit: PAGE, offset: page * PAGE },
      signal,
    });
    // The spec allows a bare array or { data, total_count }.
    const data = Array.isArray(response) ? response : isRecord(response) && Array.isArray(response.data) ? response.data : [];
    const found = data.filter(isRecord).find((i) => i.id === invitationId);
    if (found) {
      const org = isRecord(found.public_organization_data) ? found.public_organization_data : {};
      return { emailAddress: text(found.email_address) ?? '(unknown)', role: text(found.role) ?? '(unknown)', organizationName: text(org.name) };
    }
    if (data.length < PAGE) return undefined;
  }
  return undefined;
}

/** The name of an organization the signed-in user belongs to (`GET /v1/me/organization_memberships`), or undefined. */
export async function organizationName(clerk: ClerkClient, organizationId: string, signal?: AbortSignal): Promise<string | undefined> {
  return (await listMemberships(clerk, signal)).find((m) => m.id === organizationId)?.name;
}

/**
 * Looks up what the question should show: the organization's name and, for a call on one
 * invitation, its address and role. Reads only; a failed lookup leaves its part out and is never
 * a reason to send anything.
 */
export async function lookUpQuestionContext(clerk: ClerkClient, args: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<QuestionContext> {
  const org = typeof args.organization_id === 'string' ? args.organization_id : undefined;
  const invitationId = typeof args.invitation_id === 'string' ? args.invitation_id : undefined;
  if (!org) return {};
  const [name, invitation] = await Promise.all([
    organizationName(clerk, org, signal).catch(() => undefined),
    invitationId ? findPendingInvitation(clerk, org, invitationId, signal).catch(() => undefined) : undefined,
  ]);
  return { organizationName: name, invitation };
}
