import { isRecord, nonEmptyText as text } from '../../json.js';
import type { BackendClient } from './client.js';
import { listPages } from './pages.js';

/** An organization the user belongs to, with their role and permissions in it. */
export interface UserMembership {
  readonly id: string;
  readonly name: string;
  readonly slug: string | undefined;
  readonly role: string;
  readonly permissions: readonly string[];
  /** Holds `org:sys_memberships:manage`: may invite and revoke (and list invitations, on the Frontend API). */
  readonly canManageMembers: boolean;
}

export const MANAGE_MEMBERS = 'org:sys_memberships:manage';
// Up to 5,000 organizations.
const MAX_PAGES = 10;

/** Where a user's memberships are read: named in refusals, so that the agent knows what was checked. */
export const membershipsPath = (userId: string): string => `/v1/users/${encodeURIComponent(userId)}/organization_memberships`;

/** Every organization `userId` belongs to (`GET /v1/users/{user_id}/organization_memberships`, all pages). */
export async function userMemberships(client: BackendClient, userId: string, signal?: AbortSignal): Promise<UserMembership[]> {
  const memberships: UserMembership[] = [];
  for await (const data of listPages(client, membershipsPath(userId), MAX_PAGES, {}, signal)) memberships.push(...data.flatMap(toMembership));
  return memberships;
}

function toMembership(m: Record<string, unknown>): UserMembership[] {
  const org = isRecord(m.organization) ? m.organization : undefined;
  const id = text(org?.id);
  if (!org || !id) return [];
  const permissions = Array.isArray(m.permissions) ? m.permissions.filter((p): p is string => typeof p === 'string') : [];
  return [{ id, name: text(org.name) ?? id, slug: text(org.slug), role: text(m.role) ?? '(unknown)', permissions, canManageMembers: permissions.includes(MANAGE_MEMBERS) }];
}
