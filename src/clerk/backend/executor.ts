import type { ToolExecutor } from '../../engine/executor.js';
import { toRequest } from '../../engine/request.js';
import { isRecord } from '../../json.js';
import { ClerkApiError, ClerkRequestError } from '../errors.js';
import { manageableOrganizations, shapeOutput, unusableAnswerMessage } from '../executor.js';
import { isCreate, jsonBody } from './body.js';
import type { BackendClient } from './client.js';
import { describeBackendFailure } from './errors.js';
import { userMemberships, type UserMembership } from './memberships.js';
import { lookUpPendingInvitation } from './lookup.js';
import { RefusedBeforeSending, refusalFor } from './refusal.js';
import { CONFIRMATION_KEY, ConfirmationAlreadyUsed, refuseReplay } from './replay.js';

/**
 * Runs the tools through Clerk's Backend API as the user `userId` (an OAuth token's subject): one
 * executor per HTTP request. Before any call it reads the user's memberships and refuses, sending
 * nothing, where the Frontend API would refuse that user: every one of these calls needs
 * `org:sys_memberships:manage` there, reads included. Writes carry the user as inviter or
 * requester. `private_metadata`, which the Frontend API never shows a user, is dropped from results.
 */
export function backendExecutor(client: BackendClient, userId: string): ToolExecutor {
  // Read once per executor (one HTTP request): roles change, and the next request reads them again.
  let memberships: Promise<UserMembership[]> | undefined;
  const membershipsOf = (signal: AbortSignal): Promise<UserMembership[]> => {
    const pending = (memberships ??= userMemberships(client, userId, signal));
    // A failed read is not kept: the next call of this request tries again.
    pending.catch(() => (memberships === pending ? (memberships = undefined) : undefined));
    return pending;
  };
  const allowed = async (organizationId: string, signal: AbortSignal): Promise<UserMembership | undefined> => {
    const membership = (await membershipsOf(signal)).find((m) => m.id === organizationId);
    return membership?.canManageMembers ? membership : undefined;
  };
  return {
    async execute(tool, args, signal, context) {
      const request = toRequest(tool.operation, args, signal);
      const organizationId = String(args.organization_id);
      const membership = (await membershipsOf(signal)).find((m) => m.id === organizationId);
      if (!membership?.canManageMembers) throw refusalFor({ method: request.method, path: request.path }, userId, organizationId, membership);
      // A confirmed create is recorded in Clerk, which every replica reads: a yes sent again to
      // another replica finds its invitations there and sends nothing.
      const confirmation = isCreate(tool.operation) ? context?.confirmation : undefined;
      const [firstAddress] = [args.email_address].flat();
      if (confirmation !== undefined && typeof firstAddress === 'string') await refuseReplay(client, organizationId, firstAddress, confirmation, signal);
      const stamp = confirmation === undefined ? undefined : { [CONFIRMATION_KEY]: confirmation };
      const body = await client.request({ method: request.method, path: request.path, query: request.query, json: jsonBody(tool.operation, request.form, userId, stamp), quotable: request.form, signal });
      return withoutPrivateMetadata(shapeOutput(tool.operation, body));
    },
    async questionContext(args, signal) {
      const organizationId = typeof args.organization_id === 'string' ? args.organization_id : undefined;
      // Nothing is looked up in an organization the user may not manage: the call will be refused.
      const membership = organizationId ? await allowed(organizationId, signal).catch(() => undefined) : undefined;
      if (!organizationId || !membership) return {};
      const invitationId = typeof args.invitation_id === 'string' ? args.invitation_id : undefined;
      const invitation = invitationId ? await lookUpPendingInvitation(client, organizationId, invitationId, signal).catch(() => undefined) : undefined;
      return { organizationName: membership.name, invitation: invitation && { ...invitation, organizationName: membership.name } };
    },
    organizations: async (signal) => manageableOrganizations(await membershipsOf(signal)),
    explain: (what, error) => ({
      text: client.redact(describeBackendFailure(what, error)),
      expected: error instanceof ClerkApiError || error instanceof ClerkRequestError || error instanceof RefusedBeforeSending || error instanceof ConfirmationAlreadyUsed,
    }),
    unusableAnswer: (tool, args, problem) => client.redact(unusableAnswerMessage(tool, args, problem)),
    redact: (text) => client.redact(text),
  };
}

/** The result without `private_metadata`, on the object or on each listed item. */
function withoutPrivateMetadata(result: Record<string, unknown>): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (!isRecord(value) || !Object.hasOwn(value, 'private_metadata')) return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'private_metadata'));
  };
  return Array.isArray(result.data) ? { ...result, data: result.data.map(strip) } : (strip(result) as Record<string, unknown>);
}
