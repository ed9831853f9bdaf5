import { ClerkApiError, describeFailure, type RequestLabel } from '../errors.js';
import { MANAGE_MEMBERS, membershipsPath, type UserMembership } from './memberships.js';

/**
 * The user may not manage the organization's invitations, found out before anything was sent: it
 * carries the refusal the Frontend API gives that user (404 `organization_not_found_or_unauthorized`
 * to a non-member, 403 `missing_organization_permission` to a member without the permission), so
 * that it reads the same, codes and hints included.
 */
export class RefusedBeforeSending extends Error {
  override readonly name = 'RefusedBeforeSending';
  constructor(
    readonly userId: string,
    readonly organizationId: string,
    /** What the Frontend API would have answered. */
    readonly refusal: ClerkApiError,
  ) {
    super(refusal.message);
  }
}

/** The refusal for `userId` in `organizationId`, given their membership there (undefined: none). */
export function refusalFor(label: RequestLabel, userId: string, organizationId: string, membership: UserMembership | undefined): RefusedBeforeSending {
  const refusal = membership
    ? new ClerkApiError(label, 403, [{
        code: 'missing_organization_permission',
        long_message: `The user lacks the permission ${MANAGE_MEMBERS} in ${membership.name} (their role: ${membership.role}).`,
        meta: { permissions: [MANAGE_MEMBERS] },
      }], undefined, 0, undefined)
    : new ClerkApiError(label, 404, [{
        code: 'organization_not_found_or_unauthorized',
        long_message: `Organization '${organizationId}' does not exist, or the user is not a member.`,
      }], undefined, 0, undefined);
  return new RefusedBeforeSending(userId, organizationId, refusal);
}

/** Words for a refusal: what was refused and why, then Clerk's code and hint as the Frontend API gives them. */
export function describeRefusal(what: string, error: RefusedBeforeSending): string {
  const [, ...details] = describeFailure(what, error.refusal).split('\n');
  const { method, path } = error.refusal.request;
  return [
    `${what} was refused, and nothing was sent to Clerk: the user (${error.userId}) may not manage the invitations of organization ${error.organizationId} (checked with GET ${membershipsPath(error.userId)} before ${method} ${path}).`,
    ...details,
  ].join('\n');
}
