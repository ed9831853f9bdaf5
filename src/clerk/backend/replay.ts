import { isRecord } from '../../json.js';
import type { BackendClient } from './client.js';

/**
 * The `private_metadata` key under which a confirmed create records the confirmation question it
 * carries out. `private_metadata` is the Backend API's alone: the Frontend API never shows it, and
 * results here drop it.
 */
export const CONFIRMATION_KEY = 'mcp_confirmation';

/** A confirmed create whose confirmation already created invitations: refused, nothing sent. */
export class ConfirmationAlreadyUsed extends Error {
  override readonly name = 'ConfirmationAlreadyUsed';
}

// Newest first (Clerk's default order): a replay comes within a confirmation's lifetime, so the
// invitation it would repeat is among an address's latest few.
const LATEST = 20;

/**
 * Throws ConfirmationAlreadyUsed when an invitation of `organizationId` for `emailAddress`, of any
 * status (the first one may have been revoked or accepted since), records `confirmation`: Clerk is
 * the record every replica shares, where each one's memory of answered questions is its own. One
 * address is enough for a bulk create: its invitations are created in one request, all or none.
 */
export async function refuseReplay(client: BackendClient, organizationId: string, emailAddress: string, confirmation: string, signal: AbortSignal): Promise<void> {
  const body = await client.request({
    method: 'GET',
    path: `/v1/organizations/${encodeURIComponent(organizationId)}/invitations`,
    query: { email_address: emailAddress, limit: LATEST },
    signal,
  });
  const data = isRecord(body) && Array.isArray(body.data) ? body.data.filter(isRecord) : [];
  if (data.some((i) => isRecord(i.private_metadata) && i.private_metadata[CONFIRMATION_KEY] === confirmation)) {
    throw new ConfirmationAlreadyUsed(`this confirmation was already used: it created the invitation(s) for ${emailAddress} in ${organizationId} before, so nothing was sent to Clerk now. Ask the user again if they want to invite again.`);
  }
}
