import type { ClerkClient } from './client.js';
import { isRecord, nonEmptyText as text } from '../json.js';
import { ClerkApiError, ClerkRequestError } from './errors.js';
import type { FormValue } from './form.js';

/** One way to prove who you are, as a sign-in offers it (`supported_first_factors` / `supported_second_factors`). */
export interface SignInFactor {
  readonly strategy: string;
  /** Where a code goes, masked (e.g. `a***@example.com`, `+1******0100`). */
  readonly safeIdentifier: string | undefined;
  readonly emailAddressId: string | undefined;
  readonly phoneNumberId: string | undefined;
}

/** The parts of Clerk's SignIn object that a terminal sign-in needs. */
export interface SignIn {
  readonly id: string;
  /** `needs_first_factor`, `needs_second_factor`, `needs_client_trust`, `complete`… */
  readonly status: string;
  readonly firstFactors: readonly SignInFactor[];
  readonly secondFactors: readonly SignInFactor[];
  readonly createdSessionId: string | undefined;
}

/** Who a session belongs to. */
export interface SessionUser {
  readonly sessionId: string;
  readonly sessionStatus: string;
  readonly userId: string;
  readonly email: string | undefined;
  readonly username: string | undefined;
}

/** An organization the user belongs to, with their role in it. */
export interface Membership {
  readonly id: string;
  readonly name: string;
  readonly slug: string | undefined;
  readonly role: string;
  readonly roleName: string | undefined;
  /** Holds `org:sys_memberships:manage`: may invite and revoke. */
  readonly canManageMembers: boolean;
}

const MANAGE_MEMBERS = 'org:sys_memberships:manage';
const SIGN_INS = '/v1/client/sign_ins';
// Enough for anyone's organizations; the loop stops at the last page.
const MEMBERSHIP_PAGE = 100;
const MAX_MEMBERSHIP_PAGES = 20;

type Form = Readonly<Record<string, FormValue | undefined>>;

/**
 * Starts a native sign-in. Without a client token this creates a new Clerk client, whose token
 * comes back in the Authorization header (the ClerkClient keeps it).
 */
export async function createSignIn(clerk: ClerkClient, form: Form): Promise<SignIn> {
  return toSignIn(await clerk.request({ method: 'POST', path: SIGN_INS, form, anonymous: true }));
}

/** `prepare_first_factor`, `attempt_first_factor`, `prepare_second_factor` or `attempt_second_factor`. */
export async function signInStep(clerk: ClerkClient, signInId: string, step: `${'prepare' | 'attempt'}_${'first' | 'second'}_factor`, form: Form): Promise<SignIn> {
  return toSignIn(await clerk.request({ method: 'POST', path: `${SIGN_INS}/${encodeURIComponent(signInId)}/${step}`, form }));
}

/** The user behind `sessionId` (or the client's last active session), from `GET /v1/client`. */
export async function sessionUser(clerk: ClerkClient, sessionId: string | undefined): Promise<SessionUser> {
  const { response } = await clerk.request({ method: 'GET', path: '/v1/client', needsSession: true });
  const client = isRecord(response) ? response : {};
  const sessions = Array.isArray(client.sessions) ? client.sessions.filter(isRecord) : [];
  const wanted = sessionId ?? text(client.last_active_session_id);
  const session = sessions.find((s) => s.id === wanted) ?? (wanted === undefined ? sessions[0] : undefined);
  const user = session && isRecord(session.user) ? session.user : undefined;
  const userId = text(user?.id);
  if (!session || !user || !userId) {
    throw new ClerkRequestError({ method: 'GET', path: '/v1/client' }, 'no-payload', `this Clerk client has no ${sessionId ? `session ${sessionId}` : 'session'}: it was signed out.`, false);
  }
  const emails = Array.isArray(user.email_addresses) ? user.email_addresses.filter(isRecord) : [];
  const primary = emails.find((e) => e.id === user.primary_email_address_id) ?? emails[0];
  return {
    sessionId: text(session.id) ?? '',
    sessionStatus: text(session.status) ?? 'unknown',
    userId,
    email: text(primary?.email_address),
    username: text(user.username),
  };
}

/** Every organization the signed-in user belongs to (`GET /v1/me/organization_memberships`, all pages). */
export async function listMemberships(clerk: ClerkClient, signal?: AbortSignal): Promise<Membership[]> {
  const memberships: Membership[] = [];
  for (let page = 0; page < MAX_MEMBERSHIP_PAGES; page++) {
    const { response } = await clerk.request({
      method: 'GET',
      path: '/v1/me/organization_memberships',
      query: { paginated: true, limit: MEMBERSHIP_PAGE, offset: page * MEMBERSHIP_PAGE },
      signal,
    });
    // The spec allows a bare array or { data, total_count }.
    const data = Array.isArray(response) ? response : isRecord(response) && Array.isArray(response.data) ? response.data : [];
    memberships.push(...data.filter(isRecord).flatMap(toMembership));
    const total = isRecord(response) && typeof response.total_count === 'number' ? response.total_count : undefined;
    if (data.length < MEMBERSHIP_PAGE || (total !== undefined && (page + 1) * MEMBERSHIP_PAGE >= total)) break;
  }
  return memberships;
}

/**
 * Ends every session of the client (`DELETE /v1/client`): the token no longer acts as anyone.
 * `already-ended` when Clerk no longer knows the client: 404 (one of the answers Clerk documents),
 * 401, or a stale token's answer for a brand-new client. Anything else throws.
 */
export async function endClientSessions(clerk: ClerkClient): Promise<'ended' | 'already-ended'> {
  try {
    await clerk.request({ method: 'DELETE', path: '/v1/client' });
    return 'ended';
  } catch (error) {
    // A 404 without Clerk's error body came from something else than Clerk.
    const fromClerk = error instanceof ClerkApiError && error.errors.some((e) => e.code !== 'no_clerk_error_body');
    if (fromClerk && (error.status === 404 || error.status === 401)) return 'already-ended';
    if (error instanceof ClerkRequestError && error.kind === 'signed-out') return 'already-ended';
    throw error;
  }
}

function toMembership(m: Record<string, unknown>): Membership[] {
  const org = isRecord(m.organization) ? m.organization : undefined;
  const id = text(org?.id);
  const role = text(m.role);
  if (!org || !id || !role) return [];
  const permissions = Array.isArray(m.permissions) ? m.permissions : [];
  return [{ id, name: text(org.name) ?? id, slug: text(org.slug), role, roleName: text(m.role_name), canManageMembers: permissions.includes(MANAGE_MEMBERS) }];
}

function toSignIn({ response }: { response: unknown }): SignIn {
  const r = isRecord(response) ? response : {};
  const id = text(r.id);
  const status = text(r.status);
  if (!id || !status) {
    throw new ClerkRequestError({ method: 'POST', path: SIGN_INS }, 'no-payload', 'Clerk answered a sign-in step without a sign-in object.', false);
  }
  return { id, status, firstFactors: factors(r.supported_first_factors), secondFactors: factors(r.supported_second_factors), createdSessionId: text(r.created_session_id) };
}

function factors(value: unknown): SignInFactor[] {
  return (Array.isArray(value) ? value : []).filter(isRecord).flatMap((f) => {
    const strategy = text(f.strategy);
    return strategy ? [{ strategy, safeIdentifier: text(f.safe_identifier), emailAddressId: text(f.email_address_id), phoneNumberId: text(f.phone_number_id) }] : [];
  });
}
