/**
 * An embedded, in-memory simulator of the slice of Clerk's Frontend API this server talks to
 * (organization invitations). It is deliberately as strict as Clerk: native auth with rotating
 * client tokens, form-encoded bodies, Clerk's envelopes and error codes. Code that works against
 * it should work against Clerk, and a client bug should fail here first.
 *
 * Never writes to stdout: it runs inside a stdio MCP server.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

/** Where the sandbox listens. */
export interface SandboxOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default `0` (a free one). */
  port?: number;
}

/** A running sandbox. Every `startSandbox()` has its own fresh state. */
export interface Sandbox {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The current client token; changes after every successful POST (rotation). */
  readonly clientToken: string;
  /** `sess_…` of the signed-in admin user. */
  readonly sessionId: string;
  /** The session's `last_active_token` JWT, which appears in every `client` envelope. */
  readonly sessionJwt: string;
  /** Stops listening and closes keep-alive sockets. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DAY_MS = 86_400_000;
const INVITATION_TTL_MS = 30 * DAY_MS;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MANAGE_MEMBERS = 'org:sys_memberships:manage';
const USER_ID = 'user_sandbox_admin';
const USER_EMAIL = 'admin@sandbox.test';
const ROLE_NAMES = { 'org:admin': 'Admin', 'org:basic_member': 'Member' } as const;
const STATUSES = ['pending', 'accepted', 'revoked', 'expired', 'invalid', 'completed'] as const;
// Deliberately loose (Clerk's own check is not published) but rejects the obvious mistakes.
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z]$/;

type Role = keyof typeof ROLE_NAMES;
type InvitationStatus = (typeof STATUSES)[number];

const isRole = (value: string): value is Role => Object.hasOwn(ROLE_NAMES, value);
const isStatus = (value: string): value is InvitationStatus => (STATUSES as readonly string[]).includes(value);

interface ClerkErrorEntry {
  code: string;
  message: string;
  long_message: string;
  meta: Record<string, unknown>;
}

interface PublicOrganizationData {
  id: string;
  name: string;
  slug: string;
  image_url: string;
  has_image: false;
}

interface Organization {
  readonly data: PublicOrganizationData;
  /** Members by (lower-case) email address; includes the signed-in user when they belong. */
  readonly members: ReadonlyMap<string, Role>;
}

interface State {
  readonly clientId: string;
  readonly sessionId: string;
  readonly sessionJwt: string;
  readonly createdAt: number;
  updatedAt: number;
  /** The previous token stays valid so that a request already in flight during rotation succeeds. */
  tokens: { current: string; previous: string | undefined };
  readonly orgs: ReadonlyMap<string, Organization>;
  /** All invitations, newest first. */
  readonly invitations: Invitation[];
}

/** Every error the sandbox answers besides the 422 form errors: code → [status, short message]. */
const ERRORS = {
  resource_not_found: [404, 'Resource not found'],
  request_body_too_large: [413, 'Request body too large'],
  origin_authorization_headers_conflict: [400, 'Authorization header conflict'],
  api_version_invalid: [400, 'Invalid API version'],
  signed_out: [401, 'Signed out'],
  authentication_invalid: [401, 'Invalid authentication'],
  organization_not_found_or_unauthorized: [404, 'Not found or unauthorized'],
  missing_organization_permission: [403, 'Missing permissions'],
  organization_invitation_not_found: [404, 'Invitation not found'],
  organization_invitation_not_pending: [400, 'Invitation is not pending'],
  duplicate_record: [400, 'Duplicate invitation'],
  already_a_member_in_organization: [400, 'Already a member'],
  internal_clerk_error: [500, 'Oops, an unexpected error occurred'],
} as const satisfies Record<string, readonly [number, string]>;

/** A Clerk error answer; thrown anywhere in request handling, turned into the response once. */
class ClerkFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ClerkErrorEntry[],
  ) {
    super(errors.map((e) => e.code).join(', '));
  }
}

function fail(code: keyof typeof ERRORS, longMessage: string, meta: Record<string, unknown> = {}): ClerkFailure {
  const [status, message] = ERRORS[code];
  return new ClerkFailure(status, [{ code, message, long_message: longMessage, meta }]);
}

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)] ?? '0';
  return out;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** JWT-shaped but unsigned: clients must treat it as opaque, exactly as with Clerk's. */
function fakeJwt(payload: Record<string, unknown>): string {
  const header = base64url({ alg: 'RS256', kid: 'ins_sandbox', typ: 'JWT' });
  return `${header}.${base64url(payload)}.${randomBytes(32).toString('base64url')}`;
}

function mintClientToken(clientId: string): string {
  return fakeJwt({ id: clientId, rotating_token: randomBase62(32), iat: Math.floor(Date.now() / 1000) });
}

// --- Seed data ---------------------------------------------------------------------------

function organization(id: string, name: string, slug: string, members: [string, Role][]): Organization {
  const image_url = `https://img.clerk.com/sandbox/${slug}.png`;
  return { data: { id, name, slug, image_url, has_image: false }, members: new Map(members) };
}

/** Shaped as Clerk's `Client.OrganizationInvitation`. */
type Invitation = ReturnType<typeof newInvitation>;

function newInvitation(org: Organization, email: string, role: Role, status: InvitationStatus, createdAt: number) {
  return {
    object: 'organization_invitation' as const,
    id: `orginv_${randomBase62(27)}`,
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

function createState(): State {
  const now = Date.now();
  const clientId = `client_${randomBase62(27)}`;
  const sessionId = `sess_${randomBase62(27)}`;
  const sandbox = organization('org_sandbox', 'Sandbox Inc', 'sandbox-inc', [
    [USER_EMAIL, 'org:admin'],
    ['member@sandbox.test', 'org:basic_member'],
  ]);
  const readonly = organization('org_readonly', 'Read-only Ltd', 'read-only', [[USER_EMAIL, 'org:basic_member']]);
  const seeds: [Organization, string, Role, InvitationStatus, number][] = [
    [sandbox, 'alice@example.com', 'org:basic_member', 'pending', 1],
    [sandbox, 'bob@example.com', 'org:admin', 'pending', 2],
    [readonly, 'frank@example.com', 'org:basic_member', 'pending', 3],
    [sandbox, 'carol@example.com', 'org:basic_member', 'accepted', 4],
    [sandbox, 'dave@example.com', 'org:basic_member', 'revoked', 6],
    [sandbox, 'erin@example.com', 'org:basic_member', 'expired', 45],
  ];
  return {
    clientId,
    sessionId,
    sessionJwt: fakeJwt({ sub: USER_ID, sid: sessionId, org_id: 'org_sandbox', iat: Math.floor(now / 1000) }),
    createdAt: now - 10 * DAY_MS,
    updatedAt: now,
    tokens: { current: mintClientToken(clientId), previous: undefined },
    orgs: new Map([sandbox, readonly].map((org) => [org.data.id, org])),
    invitations: seeds.map(([org, email, role, status, daysAgo]) =>
      newInvitation(org, email, role, status, now - daysAgo * DAY_MS),
    ),
  };
}

/** The `client` envelope member. It carries the session JWT, as Clerk's does. */
function clientObject(state: State): Record<string, unknown> {
  const names = { first_name: 'Sandbox', last_name: 'Admin' };
  const email = { id: 'idn_sandbox_admin', object: 'email_address', email_address: USER_EMAIL };
  const user = { id: USER_ID, object: 'user', ...names, primary_email_address_id: email.id, email_addresses: [email] };
  const session = {
    object: 'session',
    id: state.sessionId,
    status: 'active',
    expire_at: state.updatedAt + 7 * DAY_MS,
    abandon_at: state.createdAt + 30 * DAY_MS,
    last_active_at: state.updatedAt,
    last_active_organization_id: 'org_sandbox',
    last_active_token: { object: 'token', jwt: state.sessionJwt },
    user,
    public_user_data: { ...names, identifier: USER_EMAIL, user_id: USER_ID },
    factor_verification_age: [0, -1],
    actor: null,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
  };
  return {
    object: 'client',
    id: state.clientId,
    sessions: [session],
    sign_in: null,
    sign_up: null,
    last_active_session_id: state.sessionId,
    last_authentication_strategy: 'password',
    cookie_expires_at: null,
    captcha_bypass: false,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
  };
}

// --- Parameters --------------------------------------------------------------------------

/** Reads form (or query) parameters the way Clerk does, collecting every 422 before failing. */
class Params {
  readonly errors: ClerkErrorEntry[] = [];
  constructor(private readonly values: URLSearchParams) {}

  private error(code: string, name: string, message: string, longMessage: string): void {
    this.errors.push({ code, message, long_message: longMessage, meta: { param_name: name } });
  }

  rejectUnknown(allowed: readonly string[]): void {
    for (const name of new Set(this.values.keys())) {
      if (!allowed.includes(name)) {
        this.error('form_param_unknown', name, 'is unknown', `${name} is not a valid parameter for this request.`);
      }
    }
  }

  private all(name: string, required: boolean): string[] {
    const values = this.values.getAll(name);
    // An empty value counts as missing, as in HTML forms.
    if (required && values.every((v) => v === '')) {
      this.error('form_param_missing', name, 'is missing', `${name} must be included.`);
      return [];
    }
    return values;
  }

  /** One value at most: repeating a scalar parameter is a format error, not "last one wins". */
  private one(name: string, required: boolean): string | undefined {
    const values = this.all(name, required);
    if (values.length > 1) this.formatInvalid(name, 'a single value, not repeated');
    return values.length === 1 ? values[0] : undefined;
  }

  private formatInvalid(name: string, expected: string): void {
    this.error('form_param_format_invalid', name, 'is invalid', `${name} must be ${expected}.`);
  }

  private valueInvalid(name: string, value: string, allowed: readonly string[]): void {
    const longMessage = `'${value}' is not a valid value for ${name}; use one of: ${allowed.join(', ')}.`;
    this.error('form_param_value_invalid', name, 'is invalid', longMessage);
  }

  emails(name: string, single: boolean): string[] {
    const values = single ? [this.one(name, true)].filter((v) => v !== undefined) : this.all(name, true);
    const valid = values.filter((v) => v.length <= 254 && EMAIL.test(v));
    if (valid.length !== values.length) this.formatInvalid(name, 'a valid email address');
    // Clerk stores addresses lower-cased, so duplicates are found regardless of case.
    return valid.map((v) => v.toLowerCase());
  }

  role(name: string): Role | undefined {
    const value = this.one(name, true);
    if (value === undefined) return undefined;
    if (isRole(value)) return value;
    this.valueInvalid(name, value, Object.keys(ROLE_NAMES));
    return undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.one(name, false);
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    this.formatInvalid(name, 'either true or false');
    return undefined;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.one(name, false);
    if (value === undefined) return undefined;
    const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    this.formatInvalid(name, `an integer from ${min} to ${max}`);
    return undefined;
  }

  statuses(name: string): InvitationStatus[] {
    const values = this.values.getAll(name);
    for (const bad of values.filter((v) => !isStatus(v))) this.valueInvalid(name, bad, STATUSES);
    return values.filter(isStatus);
  }

  failure(): ClerkFailure {
    return new ClerkFailure(422, this.errors);
  }
}

// --- Handlers ----------------------------------------------------------------------------

interface Context {
  readonly state: State;
  readonly org: Organization;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly form: URLSearchParams;
}

function orgInvitations(ctx: Context): Invitation[] {
  // Stable sort: same-millisecond invitations keep their newest-first insertion order.
  return ctx.state.invitations
    .filter((i) => i.organization_id === ctx.org.data.id)
    .sort((a, b) => b.created_at - a.created_at);
}

function listInvitations(ctx: Context): unknown {
  const query = new Params(ctx.query);
  const limit = query.integer('limit', 1, 500) ?? 10;
  const offset = query.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const statuses = query.statuses('status');
  if (query.errors.length > 0) throw query.failure();
  const matching = orgInvitations(ctx).filter((i) => statuses.length === 0 || statuses.includes(i.status));
  return { data: matching.slice(offset, offset + limit), total_count: matching.length };
}

function listPending(ctx: Context): unknown {
  return orgInvitations(ctx).filter((i) => i.status === 'pending');
}

/** Shared by create and bulk: all-or-nothing, as Clerk validates the whole batch first. */
function invite(ctx: Context, emails: string[], role: Role): Invitation[] {
  const pending = new Set(orgInvitations(ctx).filter((i) => i.status === 'pending').map((i) => i.email_address));
  const duplicates = [...new Set(emails.filter((e, i) => pending.has(e) || emails.indexOf(e) !== i))];
  if (duplicates.length > 0) {
    const longMessage = `There are already pending invitations for: ${duplicates.join(', ')}.`;
    throw fail('duplicate_record', longMessage, { email_addresses: duplicates });
  }
  const members = [...new Set(emails.filter((e) => ctx.org.members.has(e)))];
  if (members.length > 0) {
    const longMessage = `Already members of ${ctx.org.data.name}: ${members.join(', ')}.`;
    throw fail('already_a_member_in_organization', longMessage, { email_addresses: members });
  }
  const now = Date.now();
  const created = emails.map((email) => newInvitation(ctx.org, email, role, 'pending', now));
  ctx.state.invitations.unshift(...[...created].reverse());
  return created;
}

function createInvitation(ctx: Context): unknown {
  const form = new Params(ctx.form);
  form.rejectUnknown(['email_address', 'role', 'notify']);
  const [email] = form.emails('email_address', true);
  const role = form.role('role');
  form.boolean('notify'); // Accepted and validated; the sandbox sends no email either way.
  if (form.errors.length > 0 || email === undefined || role === undefined) throw form.failure();
  return invite(ctx, [email], role)[0];
}

function bulkCreateInvitations(ctx: Context): unknown {
  const form = new Params(ctx.form);
  form.rejectUnknown(['email_address', 'role', 'notify']);
  const emails = form.emails('email_address', false);
  const role = form.role('role');
  form.boolean('notify');
  if (form.errors.length > 0 || emails.length === 0 || role === undefined) throw form.failure();
  return invite(ctx, emails, role);
}

function revokeInvitation(ctx: Context): unknown {
  const form = new Params(ctx.form);
  form.rejectUnknown([]);
  if (form.errors.length > 0) throw form.failure();
  const id = ctx.params['invitation_id'] ?? '';
  const invitation = orgInvitations(ctx).find((i) => i.id === id);
  if (invitation === undefined) {
    throw fail('organization_invitation_not_found', `No invitation with ID '${id}' exists in ${ctx.org.data.name}.`);
  }
  if (invitation.status !== 'pending') {
    const longMessage = `Only pending invitations can be revoked; this one is ${invitation.status}.`;
    throw fail('organization_invitation_not_pending', longMessage);
  }
  invitation.status = 'revoked';
  invitation.updated_at = Math.max(Date.now(), invitation.updated_at + 1);
  return invitation;
}

interface Route {
  readonly method: 'GET' | 'POST';
  /** Segments after `/v1`; `:name` captures one non-empty segment. */
  readonly path: readonly string[];
  readonly handler: (ctx: Context) => unknown;
}

const INVITATIONS = ['organizations', ':organization_id', 'invitations'] as const;
const ROUTES: readonly Route[] = [
  { method: 'GET', path: INVITATIONS, handler: listInvitations },
  { method: 'POST', path: INVITATIONS, handler: createInvitation },
  { method: 'POST', path: [...INVITATIONS, 'bulk'], handler: bulkCreateInvitations },
  { method: 'GET', path: [...INVITATIONS, 'pending'], handler: listPending },
  { method: 'POST', path: [...INVITATIONS, ':invitation_id', 'revoke'], handler: revokeInvitation },
];

// --- Request pipeline --------------------------------------------------------------------

const notFound = (): ClerkFailure => fail('resource_not_found', 'The requested resource does not exist.');

function matchRoute(method: string, target: string): { route: Route; params: Record<string, string> } {
  const [first, version, ...segments] = target.split('/');
  if (first !== '' || version !== 'v1') throw notFound();
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    throw notFound(); // Malformed percent-encoding can name no resource.
  }
  for (const route of ROUTES) {
    if (route.method !== method || route.path.length !== decoded.length) continue;
    const params: Record<string, string> = {};
    const ok = route.path.every((part, i) => {
      const value = decoded[i] ?? '';
      if (!part.startsWith(':')) return part === value;
      params[part.slice(1)] = value;
      return value !== '';
    });
    if (ok) return { route, params };
  }
  throw notFound();
}

function checkApiVersion(query: URLSearchParams): void {
  const bad = query.getAll('__clerk_api_version').find((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v));
  if (bad !== undefined) {
    throw fail('api_version_invalid', `'${bad}' is not a Clerk API version; versions are dates such as 2026-05-12.`);
  }
}

/** Returns the token to send back: the current one, whatever (valid) token was presented. */
function authenticate(state: State, req: IncomingMessage, query: URLSearchParams): string {
  const token = (req.headers.authorization ?? '').trim().replace(/^Bearer(?:\s+|$)/i, '');
  if (token === '') throw fail('signed_out', 'You are signed out.');
  if (query.get('_is_native') !== '1') {
    const longMessage = 'Native clients sending an Authorization header must add the _is_native=1 query parameter.';
    throw fail('authentication_invalid', longMessage);
  }
  if (token !== state.tokens.current && token !== state.tokens.previous) {
    const longMessage = 'The client token is unknown or was rotated out; use the latest Authorization response header.';
    throw fail('authentication_invalid', longMessage);
  }
  const sessionId = query.get('_clerk_session_id');
  if (sessionId !== null && sessionId !== state.sessionId) {
    throw fail('signed_out', `Session '${sessionId}' is not an active session of this client.`);
  }
  return state.tokens.current;
}

function resolveOrganization(state: State, id: string): Organization {
  const org = state.orgs.get(id);
  const role = org?.members.get(USER_EMAIL);
  if (org === undefined || role === undefined) {
    const longMessage = `Organization '${id}' does not exist, or the current user is not a member.`;
    throw fail('organization_not_found_or_unauthorized', longMessage);
  }
  if (role !== 'org:admin') {
    const longMessage = `The current user lacks the permission ${MANAGE_MEMBERS} in ${org.data.name}.`;
    throw fail('missing_organization_permission', longMessage, { permissions: [MANAGE_MEMBERS] });
  }
  return org;
}

class BodyTooLarge extends Error {}

/** Buffers the body up to the cap; past it, keeps draining so the 413 reaches the client. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new BodyTooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseForm(req: IncomingMessage, body: Buffer): URLSearchParams {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // Clerk's API is form based: any other body is as good as none.
  return new URLSearchParams(type === 'application/x-www-form-urlencoded' ? body.toString('utf8') : '');
}

interface Answer {
  status: number;
  body: unknown;
  /** Set once the request authenticated: every later answer, errors included, carries it. */
  token?: string;
  /** After a 413 the rest of the body is unread, so the connection cannot be reused. */
  close?: boolean;
}

async function respond(state: State, req: IncomingMessage): Promise<Answer> {
  let token: string | undefined;
  try {
    const body = await readBody(req);
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
    const { route, params } = matchRoute(req.method ?? '', path);
    if (req.headers.origin !== undefined && (req.headers.authorization ?? '').trim() !== '') {
      const longMessage = 'Send an Origin header (browser) or an Authorization header (native client), not both.';
      throw fail('origin_authorization_headers_conflict', longMessage);
    }
    checkApiVersion(query);
    token = authenticate(state, req, query);
    const org = resolveOrganization(state, params['organization_id'] ?? '');
    const response = route.handler({ state, org, params, query, form: parseForm(req, body) });
    if (route.method === 'POST') token = rotate(state);
    return { status: 200, body: { response, client: clientObject(state) }, token };
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      const failure = fail('request_body_too_large', `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`);
      return { status: failure.status, body: errorBody(failure), close: true };
    }
    const failure = error instanceof ClerkFailure ? error : fail('internal_clerk_error', 'The sandbox failed.');
    const answer = { status: failure.status, body: errorBody(failure) };
    return token === undefined ? answer : { ...answer, token };
  }
}

function rotate(state: State): string {
  state.tokens = { current: mintClientToken(state.clientId), previous: state.tokens.current };
  state.updatedAt = Date.now();
  return state.tokens.current;
}

function errorBody(failure: ClerkFailure): unknown {
  return { errors: failure.errors, clerk_trace_id: randomBytes(16).toString('hex') };
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(answer.body);
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  };
  if (answer.token !== undefined) headers['Authorization'] = answer.token;
  if (answer.close === true) headers['Connection'] = 'close';
  res.writeHead(answer.status, headers).end(json);
}

/**
 * Starts a Clerk Frontend API simulator on loopback with fresh in-memory state: `org_sandbox`
 * (the user is `org:admin`, seeded invitations), `org_readonly` (the user is a basic member).
 * Clients call it exactly like Clerk in native mode: `?_is_native=1` and
 * `Authorization: Bearer <sandbox.clientToken>`, keeping the token from each response.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = createState();
  const server = createServer((req, res) => {
    respond(state, req).then(
      (answer) => send(res, answer),
      () => res.destroy(), // respond() catches everything; this only guards against the impossible.
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('Sandbox server did not bind a TCP port');
  const { address, port } = bound;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    get clientToken() {
      return state.tokens.current;
    },
    sessionId: state.sessionId,
    sessionJwt: state.sessionJwt,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
