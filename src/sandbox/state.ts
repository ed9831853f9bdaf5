/** The sandbox's in-memory state: organizations, invitations, clients with their tokens, sessions and sign-ins. */
import { randomBytes, randomInt } from 'node:crypto';
import { SANDBOX_USERS, type SandboxUser, type SecondFactor } from './users.js';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const INVITATION_TTL_MS = 30 * DAY_MS;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export const MANAGE_MEMBERS = 'org:sys_memberships:manage';
/**
 * Clerk's default roles: `org:admin` and `org:member` on current instances. `org:basic_member` is
 * the member role of older instances; it is accepted too, so that calls written for one still work.
 */
export const ROLE_NAMES = { 'org:admin': 'Admin', 'org:member': 'Member', 'org:basic_member': 'Member' } as const;
/** Clerk's system permissions of its default roles. */
export const ROLE_PERMISSIONS = {
  'org:admin': [
    'org:sys_profile:manage',
    'org:sys_profile:delete',
    'org:sys_memberships:read',
    MANAGE_MEMBERS,
    'org:sys_domains:read',
    'org:sys_domains:manage',
  ],
  'org:member': ['org:sys_memberships:read'],
  'org:basic_member': ['org:sys_memberships:read'],
} as const satisfies Record<keyof typeof ROLE_NAMES, readonly string[]>;
export const STATUSES = ['pending', 'accepted', 'revoked', 'expired', 'invalid', 'completed'] as const;

export type Role = keyof typeof ROLE_NAMES;
export type InvitationStatus = (typeof STATUSES)[number];

export const isRole = (value: string): value is Role => Object.hasOwn(ROLE_NAMES, value);
export const isStatus = (value: string): value is InvitationStatus => (STATUSES as readonly string[]).includes(value);

export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)] ?? '0';
  return out;
}

/** `prefix_` and 27 base62 characters, like Clerk's ids. */
export const newId = (prefix: string): string => `${prefix}_${randomBase62(27)}`;

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** JWT-shaped but unsigned: clients must treat it as opaque, exactly as with Clerk's. */
export function fakeJwt(payload: Record<string, unknown>): string {
  const header = base64url({ alg: 'RS256', kid: 'ins_sandbox', typ: 'JWT' });
  return `${header}.${base64url(payload)}.${randomBytes(32).toString('base64url')}`;
}

// --- Organizations and invitations ---------------------------------------------------------

export interface PublicOrganizationData {
  id: string;
  name: string;
  slug: string;
  image_url: string;
  has_image: false;
}

export interface Membership {
  readonly id: string;
  readonly role: Role;
  readonly createdAt: number;
}

export interface Organization {
  readonly data: PublicOrganizationData;
  readonly createdAt: number;
  /** Members by (lower-case) email address, sandbox users included; OAuth sign-ins of `admin+…@` users add theirs. */
  readonly members: Map<string, Membership>;
}

/** Shaped as Clerk's `Client.OrganizationInvitation`. */
export type Invitation = ReturnType<typeof newInvitation>;

export function newInvitation(org: Organization, email: string, role: Role, status: InvitationStatus, createdAt: number, id = newId('orginv')) {
  return {
    object: 'organization_invitation' as const,
    id,
    email_address: email,
    role,
    role_name: ROLE_NAMES[role],
    organization_id: org.data.id,
    public_organization_data: { ...org.data },
    status,
    public_metadata: {} as Record<string, unknown>,
    url: null,
    expires_at: createdAt + INVITATION_TTL_MS,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

/** The user's memberships, newest first. */
export function membershipsOf(state: State, user: SandboxUser): { org: Organization; membership: Membership }[] {
  return [...state.orgs.values()]
    .flatMap((org) => {
      const membership = org.members.get(user.email);
      return membership === undefined ? [] : [{ org, membership }];
    })
    .sort((a, b) => b.membership.createdAt - a.membership.createdAt);
}

// --- Clients, sessions, sign-ins -------------------------------------------------------------

export type Strategy = 'password' | 'email_code' | 'ticket' | SecondFactor;

export interface Verification {
  readonly strategy: Strategy;
  status: 'unverified' | 'verified' | 'failed' | 'expired';
  /** Code attempts so far; null for strategies without a limit (password, ticket). */
  attempts: number | null;
  readonly expireAt: number | null;
}

export type SignInStatus = 'needs_identifier' | 'needs_first_factor' | 'needs_second_factor' | 'complete';

export interface SignIn {
  readonly id: string;
  readonly createdAt: number;
  readonly user: SandboxUser | undefined;
  readonly identifier: string | null;
  status: SignInStatus;
  firstFactor: Verification | null;
  secondFactor: Verification | null;
  /** Every verification of the attempt by strategy, so switching factors back and forth resets no attempt limit. */
  readonly verifications: Map<Strategy, Verification>;
  createdSessionId: string | null;
}

export interface Session {
  readonly id: string;
  readonly user: SandboxUser;
  status: 'active' | 'ended';
  /** The `last_active_token`; fixed for the session's life (Clerk's expires every minute). */
  readonly jwt: string;
  readonly createdAt: number;
  updatedAt: number;
  readonly lastActiveOrganizationId: string | null;
  readonly secondFactorVerified: boolean;
}

export interface Client {
  readonly id: string;
  readonly createdAt: number;
  updatedAt: number;
  /**
   * The one valid client token. No Clerk source says a rotated-out token stays valid: a stale one
   * is answered with a brand-new client, as Clerk's SDKs observe (see `authenticate`).
   */
  token: string;
  /** Ended sessions stay listed with their status, as Clerk's clients list them. */
  readonly sessions: Session[];
  /** The current sign-in attempt; null again once one completes, as on Clerk. */
  signIn: SignIn | null;
  lastActiveSessionId: string | null;
  lastAuthenticationStrategy: string | null;
}

export interface Ticket {
  readonly userId: string;
  readonly expiresAt: number;
  used: boolean;
}

export interface State {
  /** Registered clients by id; a client created by a failed sign-in is never registered. */
  readonly clients: Map<string, Client>;
  /** The token of every client, to find the client a request presents. */
  readonly clientsByToken: Map<string, Client>;
  /** The pre-signed-in admin client that `startSandbox()` exposes. */
  readonly seed: { readonly client: Client; readonly session: Session };
  /** Wrong passwords and lockouts by user id. */
  readonly lockouts: Map<string, { failures: number; lockedUntil: number }>;
  /** Sign-in tickets by value. */
  readonly tickets: Map<string, Ticket>;
  readonly orgs: ReadonlyMap<string, Organization>;
  /** All invitations, newest first. */
  readonly invitations: Invitation[];
  /** What only the Backend API shows of an invitation, by invitation id: who sent it, its private metadata. */
  readonly invitationBackendData: Map<string, InvitationBackendData>;
}

export interface InvitationBackendData {
  readonly inviterId: string | null;
  readonly privateMetadata: Record<string, unknown>;
}

const mintClientToken = (clientId: string): string =>
  fakeJwt({ id: clientId, rotating_token: randomBase62(32), iat: Math.floor(Date.now() / 1000) });

/** A client with its first token, not yet registered (see `registerClient`). */
export function newClient(createdAt = Date.now()): Client {
  const id = newId('client');
  return {
    id,
    createdAt,
    updatedAt: createdAt,
    token: mintClientToken(id),
    sessions: [],
    signIn: null,
    lastActiveSessionId: null,
    lastAuthenticationStrategy: null,
  };
}

export function registerClient(state: State, client: Client): void {
  state.clients.set(client.id, client);
  state.clientsByToken.set(client.token, client);
}

/** Removes a client (`DELETE /v1/client`): its token is stale from then on. */
export function forgetClient(state: State, client: Client): void {
  state.clients.delete(client.id);
  state.clientsByToken.delete(client.token);
}

/**
 * Issues a new token; the old one is stale from now on. Clerk documents rotation at sign-in only;
 * the sandbox rotates on every successful POST, stricter than documented, so that clients are
 * tested against rotation at every write.
 */
export function rotate(state: State, client: Client): string {
  state.clientsByToken.delete(client.token);
  client.token = mintClientToken(client.id);
  state.clientsByToken.set(client.token, client);
  client.updatedAt = Date.now();
  return client.token;
}

export function newSession(user: SandboxUser, createdAt: number, organizationId: string | null, secondFactor: boolean): Session {
  const id = newId('sess');
  const claims = { sub: user.id, sid: id, iat: Math.floor(createdAt / 1000), ...(organizationId === null ? {} : { org_id: organizationId }) };
  return {
    id,
    user,
    status: 'active',
    jwt: fakeJwt(claims),
    createdAt,
    updatedAt: createdAt,
    lastActiveOrganizationId: organizationId,
    secondFactorVerified: secondFactor,
  };
}

function organization(id: string, name: string, slug: string, createdAt: number, members: [string, Role, number][]): Organization {
  const image_url = `https://img.clerk.com/sandbox/${slug}.png`;
  return {
    data: { id, name, slug, image_url, has_image: false },
    createdAt,
    members: new Map(members.map(([email, role, joined]) => [email, { id: newId('orgmem'), role, createdAt: joined }])),
  };
}

/**
 * A seeded invitation's id, the same in every sandbox (`orginv_sandboxalice000000000000000` for
 * alice@…), so that a one-shot command can revoke one it was told about in advance. Shaped like
 * Clerk's ids; invitations created at run time get random ones.
 */
const seededInvitationId = (email: string): string => `orginv_${`sandbox${email.split('@')[0] ?? ''}`.padEnd(27, '0')}`;

export function createState(): State {
  const now = Date.now();
  const ago = (days: number): number => now - days * DAY_MS;
  const { admin, mfa } = SANDBOX_USERS;
  const sandbox = organization('org_sandbox', 'Sandbox Inc', 'sandbox-inc', ago(60), [
    [admin.email, 'org:admin', ago(50)],
    ['member@sandbox.test', 'org:member', ago(40)],
    [mfa.email, 'org:admin', ago(30)],
  ]);
  const readonly = organization('org_readonly', 'Read-only Ltd', 'read-only', ago(20), [[admin.email, 'org:member', ago(15)]]);
  const seeds: [Organization, string, Role, InvitationStatus, number][] = [
    [sandbox, 'alice@example.com', 'org:member', 'pending', 1],
    [sandbox, 'bob@example.com', 'org:admin', 'pending', 2],
    [readonly, 'frank@example.com', 'org:member', 'pending', 3],
    [sandbox, 'carol@example.com', 'org:member', 'accepted', 4],
    [sandbox, 'dave@example.com', 'org:member', 'revoked', 6],
    [sandbox, 'erin@example.com', 'org:member', 'expired', 45],
  ];
  const client = newClient(ago(10));
  client.updatedAt = now;
  const session = newSession(admin, ago(10), 'org_sandbox', false);
  session.updatedAt = now;
  client.sessions.push(session);
  client.lastActiveSessionId = session.id;
  client.lastAuthenticationStrategy = 'password';
  const state: State = {
    clients: new Map(),
    clientsByToken: new Map(),
    seed: { client, session },
    lockouts: new Map(),
    tickets: new Map(),
    orgs: new Map([sandbox, readonly].map((org) => [org.data.id, org])),
    invitations: seeds.map(([org, email, role, status, daysAgo]) => newInvitation(org, email, role, status, ago(daysAgo), seededInvitationId(email))),
    invitationBackendData: new Map(),
  };
  registerClient(state, client);
  return state;
}
