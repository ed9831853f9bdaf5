import type { InvitationSummary } from '../../engine/confirm.js';
import { nonEmptyText as text } from '../../json.js';
import type { BackendClient } from './client.js';
import { listPages } from './pages.js';

// A few pages cover any organization's pending invitations.
const MAX_PAGES = 4;

/**
 * A pending invitation's address and role, for a revoke's question (`GET …/invitations?status=pending`),
 * or undefined when it is not there. Reads only; a failed read throws.
 */
export async function lookUpPendingInvitation(client: BackendClient, organizationId: string, invitationId: string, signal?: AbortSignal): Promise<Omit<InvitationSummary, 'organizationName'> | undefined> {
  const path = `/v1/organizations/${encodeURIComponent(organizationId)}/invitations`;
  for await (const data of listPages(client, path, MAX_PAGES, { status: 'pending' }, signal)) {
    const found = data.find((i) => i.id === invitationId);
    if (found) return { emailAddress: text(found.email_address) ?? '(unknown)', role: text(found.role) ?? '(unknown)' };
  }
  return undefined;
}
