// Stand-ins for Clerk's Backend API answers (bapi/2026-05-12), for tests that start a fake Clerk
// (test/helpers/fake-clerk.ts) playing the Backend API.
import type { BackendSettings } from '../../src/clerk/backend/settings.js';

/** A secret key shaped like Clerk's: it must never appear in a result, an error, a log or a header. */
export const SECRET_KEY = 'sk_test_Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXk';
export const ADMIN = 'user_2adminAAAAAAAAAAAAAAAAAAAA';
export const MEMBER = 'user_2memberAAAAAAAAAAAAAAAAAAA';
export const MANAGE = 'org:sys_memberships:manage';

/** Settings for a BackendClient pointed at a fake, with a short timeout. */
export function backendSettings(baseUrl: string, overrides: Partial<BackendSettings> = {}): BackendSettings {
  return { baseUrl, secretKey: SECRET_KEY, apiVersion: '2026-05-12', timeoutMs: 5_000, ...overrides };
}

/** One membership of `GET /v1/users/{user_id}/organization_memberships`. */
export function membership(org: { id: string; name: string; slug?: string }, role: 'org:admin' | 'org:member', permissions = role === 'org:admin' ? [MANAGE, 'org:sys_memberships:read'] : ['org:sys_memberships:read']): Record<string, unknown> {
  return {
    object: 'organization_membership',
    id: `orgmem_${org.id}_${role}`,
    role,
    role_name: role === 'org:admin' ? 'Admin' : 'Member',
    permissions,
    public_metadata: {},
    organization: { object: 'organization', id: org.id, name: org.name, slug: org.slug ?? org.name.toLowerCase(), has_image: false, max_allowed_memberships: 5, admin_delete_enabled: true, public_metadata: {}, created_at: 1, updated_at: 1 },
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
  };
}

export const memberships = (...data: Record<string, unknown>[]): unknown => ({ data, total_count: data.length });

/** The Backend API's OrganizationInvitation, with private_metadata (which results must not show). */
export function backendInvitation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    object: 'organization_invitation',
    id: 'orginv_1',
    email_address: 'a@example.com',
    role: 'org:member',
    role_name: 'Member',
    organization_id: 'org_1',
    inviter_id: ADMIN,
    public_inviter_data: { user_id: ADMIN, first_name: 'Ann', last_name: null, image_url: 'https://img.example/ann', has_image: false, identifier: 'ann@example.com' },
    status: 'pending',
    public_metadata: {},
    private_metadata: { internal_note: 'not for the agent' },
    url: null,
    expires_at: 1_800_000_000_000,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    ...overrides,
  };
}
