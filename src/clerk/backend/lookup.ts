import type { InvitationSummary } from '../../engine/confirm.js';
import { isRecord } from '../../json.js';
import type { BackendClient } from './client.js';

// The Backend API's largest page; a few pages cover any organization's pending invitations.
const PAGE = 500;
const MAX_PAGES = 4;

/**
 * A pending invitation's address and role, for a revoke's question (`GET …/invitations?status=pending`),
 * or undefined when it is not there. Reads only; a failed read throws.
 */
export async function lookUpPendingInvitation(client: BackendClient, organizationId: string, invitationId: string, signal?: AbortSignal): Promise<Omit<InvitationSummary, 'organizationName'> | undefined> {
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await client.request({
      method: 'GET',
      path: `/v1/organizations/${encodeURIComponent(organizationId)}/invitations`,
      query: { status: 'pending', limit: PAGE, offset: page * PAGE },
      signal,
    });
    const data = isRecord(body) && Array.isArray(body.data) ? body.data.filter(isRecord) : [];
    const found = data.find((i) => i.id === invitationId);
    if (found) return { emailAddress: text(found.email_address) ?? '(unknown)', role: text(found.role) ?? '(unknown)' };
    if (data.length < PAGE) return undefined;
  }
  return undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
