/** Clerk's Backend API shapes of the shared state: invitations with their inviter, memberships with private metadata. */
import { membershipObject, publicUserData } from '../objects.js';
import type { Invitation, Membership, Organization, State } from '../state.js';
import type { SandboxUser } from '../users.js';

/** Shaped as the Backend API's `OrganizationInvitation`: no `public_organization_data`, but the inviter and private metadata. */
export function backendInvitation(state: State, invitation: Invitation, userById: (id: string) => SandboxUser | undefined): Record<string, unknown> {
  const data = state.invitationBackendData.get(invitation.id);
  const inviterId = data?.inviterId ?? null;
  const inviter = inviterId === null ? undefined : userById(inviterId);
  const { first_name, last_name, image_url, has_image, identifier, user_id } = inviter === undefined ? {} : publicUserData(inviter);
  return {
    object: invitation.object,
    id: invitation.id,
    email_address: invitation.email_address,
    role: invitation.role,
    role_name: invitation.role_name,
    organization_id: invitation.organization_id,
    status: invitation.status,
    public_metadata: { ...invitation.public_metadata },
    url: invitation.url,
    expires_at: invitation.expires_at,
    created_at: invitation.created_at,
    updated_at: invitation.updated_at,
    inviter_id: inviterId,
    public_inviter_data: inviter === undefined ? null : { user_id, first_name, last_name, image_url, has_image, identifier },
    private_metadata: { ...data?.privateMetadata },
  };
}

/** Shaped as the Backend API's `OrganizationMembership`. */
export function backendMembership(state: State, org: Organization, membership: Membership, user: SandboxUser): Record<string, unknown> {
  const frontend = membershipObject(state, org, membership, user);
  return {
    ...frontend,
    private_metadata: {},
    public_user_data: { ...publicUserData(user), profile_image_url: publicUserData(user)['image_url'], username: user.username, banned: false, deprovisioned: false },
  };
}
