/** Clerk's JSON shapes of the sandbox's state (`Client.Client-2`, `Client.SignIn-2`, …). */
import { DAY_MS, membershipsOf, ROLE_NAMES, ROLE_PERMISSIONS, type Client, type Membership, type Organization, type Session, type SignIn, type State, type Verification } from './state.js';
import { maskEmail, type SandboxUser } from './users.js';

const SESSION_TTL_MS = 7 * DAY_MS;
const SESSION_MAX_LIFE_MS = 30 * DAY_MS;
const SIGN_IN_ABANDON_MS = DAY_MS;
const VERIFIED = { status: 'verified', strategy: 'admin', attempts: null, expire_at: null } as const;

const imageUrl = (user: SandboxUser): string => `https://img.clerk.com/sandbox/${user.username}.png`;

export function publicUserData(user: SandboxUser): Record<string, unknown> {
  return {
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: imageUrl(user),
    has_image: false,
    identifier: user.email,
    user_id: user.id,
  };
}

function organizationObject(state: State, org: Organization): Record<string, unknown> {
  const pending = state.invitations.filter((i) => i.organization_id === org.data.id && i.status === 'pending');
  return {
    object: 'organization',
    ...org.data,
    members_count: org.members.size,
    pending_invitations_count: pending.length,
    max_allowed_memberships: 0, // Clerk's "no limit".
    admin_delete_enabled: true,
    public_metadata: {},
    created_at: org.createdAt,
    updated_at: org.createdAt,
  };
}

/** Shaped as Clerk's `Client.OrganizationMembership`. */
export function membershipObject(state: State, org: Organization, membership: Membership, user: SandboxUser): Record<string, unknown> {
  return {
    object: 'organization_membership',
    id: membership.id,
    role: membership.role,
    role_name: ROLE_NAMES[membership.role],
    permissions: [...ROLE_PERMISSIONS[membership.role]],
    public_metadata: {},
    organization: organizationObject(state, org),
    public_user_data: publicUserData(user),
    created_at: membership.createdAt,
    updated_at: membership.createdAt,
  };
}

function userObject(state: State, user: SandboxUser): Record<string, unknown> {
  const email = {
    id: user.emailAddressId,
    object: 'email_address',
    email_address: user.email,
    reserved: false,
    verification: VERIFIED,
    linked_to: [],
  };
  const phones = user.phone === null ? [] : [{
    id: user.phone.id,
    object: 'phone_number',
    phone_number: user.phone.number,
    reserved_for_second_factor: true,
    default_second_factor: true,
    verification: VERIFIED,
    linked_to: [],
  }];
  const has = (factor: string): boolean => (user.secondFactors as readonly string[]).includes(factor);
  return {
    id: user.id,
    object: 'user',
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: imageUrl(user),
    has_image: false,
    primary_email_address_id: email.id,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    password_enabled: true,
    two_factor_enabled: user.secondFactors.length > 0,
    totp_enabled: has('totp'),
    backup_code_enabled: has('backup_code'),
    email_addresses: [email],
    phone_numbers: phones,
    web3_wallets: [],
    passkeys: [],
    external_accounts: [],
    organization_memberships: membershipsOf(state, user).map(({ org, membership }) => membershipObject(state, org, membership, user)),
    public_metadata: {},
    unsafe_metadata: {},
  };
}

function sessionObject(state: State, client: Client, session: Session): Record<string, unknown> {
  return {
    object: 'session',
    id: session.id,
    status: session.status,
    expire_at: Math.min(client.updatedAt + SESSION_TTL_MS, session.createdAt + SESSION_MAX_LIFE_MS),
    abandon_at: session.createdAt + SESSION_MAX_LIFE_MS,
    last_active_at: session.updatedAt,
    last_active_organization_id: session.lastActiveOrganizationId,
    last_active_token: { object: 'token', jwt: session.jwt },
    user: userObject(state, session.user),
    public_user_data: publicUserData(session.user),
    // Minutes since the first and second factor were verified; -1: no second factor.
    factor_verification_age: [Math.floor((Date.now() - session.createdAt) / 60_000), session.secondFactorVerified ? 0 : -1],
    actor: null,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

/** The `client` envelope member. It carries the session JWTs, as Clerk's does. */
export function clientObject(state: State, client: Client): Record<string, unknown> {
  return {
    object: 'client',
    id: client.id,
    sessions: client.sessions.map((s) => sessionObject(state, client, s)),
    sign_in: client.signIn === null ? null : signInObject(client.signIn),
    sign_up: null,
    last_active_session_id: client.lastActiveSessionId,
    last_authentication_strategy: client.lastAuthenticationStrategy,
    cookie_expires_at: null,
    captcha_bypass: false,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

export function firstFactors(user: SandboxUser): Record<string, unknown>[] {
  return user.firstFactors.map((strategy) =>
    strategy === 'password'
      ? { strategy }
      : { strategy, safe_identifier: maskEmail(user.email), email_address_id: user.emailAddressId, primary: true },
  );
}

export function secondFactors(user: SandboxUser): Record<string, unknown>[] {
  return user.secondFactors.map((strategy) =>
    strategy === 'phone_code' && user.phone !== null
      ? { strategy, safe_identifier: user.phone.safeIdentifier, phone_number_id: user.phone.id }
      : { strategy },
  );
}

const verificationObject = (v: Verification | null): Record<string, unknown> | null =>
  v === null ? null : { status: v.status, strategy: v.strategy, attempts: v.attempts, expire_at: v.expireAt };

/** Shaped as Clerk's `Client.SignIn-2`. */
export function signInObject(signIn: SignIn): Record<string, unknown> {
  const { user } = signIn;
  return {
    object: 'sign_in_attempt',
    id: signIn.id,
    status: signIn.status,
    supported_identifiers: ['email_address', 'username'],
    supported_first_factors: user === undefined ? null : firstFactors(user),
    supported_second_factors:
      user === undefined || signIn.status === 'needs_first_factor' || user.secondFactors.length === 0 ? null : secondFactors(user),
    first_factor_verification: verificationObject(signIn.firstFactor),
    second_factor_verification: verificationObject(signIn.secondFactor),
    identifier: signIn.identifier,
    user_data:
      user === undefined
        ? null
        : { first_name: user.firstName, last_name: user.lastName, image_url: imageUrl(user), has_image: false },
    created_session_id: signIn.createdSessionId,
    abandon_at: signIn.createdAt + SIGN_IN_ABANDON_MS,
  };
}
