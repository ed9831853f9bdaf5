/**
 * The slice of Clerk's Backend API a hosted server uses, at `<sandbox url>/bapi/v1` (Clerk's is
 * `https://api.clerk.com/v1`): `Authorization: Bearer <secret key>`, JSON bodies, Clerk's error
 * shape without an envelope. It shares the Frontend API simulator's state.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ClerkFailure, fail } from '../errors.js';
import type { OAuthState } from '../oauth/state.js';
import { errorBody } from '../pipeline.js';
import { BODY_LIMIT_MESSAGE, mediaType, readCappedBody, splitTarget, type Reply } from '../reply.js';
import type { State } from '../state.js';
import type { BackendContext } from './context.js';
import { bulkCreateInvitations, createInvitation, getInvitation, listInvitations, listPendingInvitations, revokeInvitation } from './invitations.js';
import { listUserMemberships } from './users.js';
import { verifyAccessToken } from './verify.js';

export const BACKEND_API_PATH = '/bapi/v1';
/** Requests kept in `BackendApi.received`, the oldest dropped first: a long-running sandbox must not grow without bound. */
const MAX_RECORDED = 10_000;

/** One request the Backend API received, as tests see it (never its Authorization header). */
export interface BackendRequest {
  readonly method: string;
  /** After the base URL, e.g. `/organizations/org_sandbox/invitations`. */
  readonly path: string;
  readonly query: string;
  /** The parsed JSON body; undefined without one (or when it was not JSON). */
  readonly body: unknown;
  /** The `Clerk-API-Version` header Clerk's backend SDKs send, or null. */
  readonly apiVersion: string | null;
  readonly status: number;
}

export interface BackendApi {
  readonly secretKey: string;
  readonly received: BackendRequest[];
  /** Clerk limits each instance (secret key): 100 requests / 10 s in development, 1000 in production. Off when undefined. */
  readonly rateLimit: RateLimit | undefined;
}

export interface RateLimit {
  readonly requests: number;
  readonly windowMs: number;
  /** The current fixed window: when it started, how many requests it admitted. */
  window: { start: number; count: number };
}

/** A fixed window per instance; past the limit, Clerk's 429 with `Retry-After` in seconds. */
function admit(limit: RateLimit | undefined): void {
  if (limit === undefined) return;
  const now = Date.now();
  if (now - limit.window.start >= limit.windowMs) limit.window = { start: now, count: 0 };
  if (limit.window.count < limit.requests) {
    limit.window.count++;
    return;
  }
  const retryAfter = Math.max(1, Math.ceil((limit.window.start + limit.windowMs - now) / 1000));
  // The code is the one this project's client handles; Clerk's exact 429 body is unconfirmed.
  throw new RateLimited(retryAfter);
}

class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('rate limited');
  }
}

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: readonly string[];
  readonly handler: (ctx: BackendContext) => unknown;
}

const INVITATIONS = ['organizations', ':organization_id', 'invitations'] as const;
const ROUTES: readonly Route[] = [
  { method: 'POST', path: INVITATIONS, handler: createInvitation },
  { method: 'GET', path: INVITATIONS, handler: listInvitations },
  { method: 'POST', path: [...INVITATIONS, 'bulk'], handler: bulkCreateInvitations },
  { method: 'GET', path: [...INVITATIONS, 'pending'], handler: listPendingInvitations },
  { method: 'GET', path: [...INVITATIONS, ':invitation_id'], handler: getInvitation },
  { method: 'POST', path: [...INVITATIONS, ':invitation_id', 'revoke'], handler: revokeInvitation },
  { method: 'GET', path: ['users', ':user_id', 'organization_memberships'], handler: listUserMemberships },
  { method: 'POST', path: ['oauth_applications', 'access_tokens', 'verify'], handler: verifyAccessToken },
];

export function createBackendApi(secretKey: string, rateLimit: { requests: number; windowMs: number } | undefined): BackendApi {
  return { secretKey, received: [], rateLimit: rateLimit === undefined ? undefined : { ...rateLimit, window: { start: 0, count: 0 } } };
}

export const isBackendPath = (path: string): boolean => path === BACKEND_API_PATH || path.startsWith(`${BACKEND_API_PATH}/`);

const notFound = (): ClerkFailure => fail('resource_not_found', 'The requested resource does not exist.');

function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    throw notFound(); // Malformed percent-encoding can name no resource.
  }
  for (const route of ROUTES) {
    if (route.method !== method || route.path.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = route.path.every((part, i) => {
      const value = segments[i] ?? '';
      if (!part.startsWith(':')) return part === value;
      params[part.slice(1)] = value;
      return value !== '';
    });
    if (matches) return { route, params };
  }
  throw notFound();
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function authenticate(api: BackendApi, req: IncomingMessage): void {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (match === null || !timingSafeEqual(digest(match[1] ?? ''), digest(api.secretKey))) {
    // Clerk's answer to a missing or wrong secret key.
    throw fail('authentication_invalid', 'Unable to authenticate the request, you need to supply an active API key');
  }
}

/** A `Clerk-API-Version` that is not a date is refused, as the Frontend API refuses `__clerk_api_version`. */
function checkApiVersion(version: string | null): void {
  if (version !== null && !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
    throw fail('api_version_invalid', `'${version}' is not a Clerk API version; versions are dates such as 2026-05-12.`);
  }
}

function parseJson(req: IncomingMessage, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  if (mediaType(req) !== 'application/json') throw fail('bad_request', 'The Backend API takes JSON bodies: send Content-Type: application/json.');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw fail('bad_request', 'The request body is not valid JSON.');
  }
}

export async function respondBackend(state: State, oauth: OAuthState, api: BackendApi, req: IncomingMessage): Promise<Reply> {
  const { path: fullPath, query } = splitTarget(req.url ?? '/');
  const path = fullPath.slice(BACKEND_API_PATH.length);
  const method = req.method ?? '';
  const header = req.headers['clerk-api-version'];
  const apiVersion = typeof header === 'string' ? header : null;
  const bytes = await readCappedBody(req);
  let body: unknown;
  let reply: Reply;
  try {
    if (bytes === undefined) throw fail('request_body_too_large', BODY_LIMIT_MESSAGE);
    authenticate(api, req);
    admit(api.rateLimit);
    checkApiVersion(apiVersion);
    body = parseJson(req, bytes);
    const { route, params } = matchRoute(method, path);
    reply = { status: 200, json: route.handler({ state, oauth, params, query, body }) };
  } catch (error) {
    if (error instanceof RateLimited) {
      const failure = fail('too_many_requests', `Too many requests: this instance allows ${api.rateLimit?.requests} per ${(api.rateLimit?.windowMs ?? 0) / 1000} s.`);
      reply = { status: 429, headers: { 'Retry-After': String(error.retryAfterSeconds) }, json: errorBody(failure) };
    } else {
      const failure = error instanceof ClerkFailure ? error : fail('internal_clerk_error', 'The sandbox failed.');
      reply = { status: failure.status, json: errorBody(failure), close: bytes === undefined };
    }
  }
  api.received.push({ method, path, query: query.toString(), body, apiVersion, status: reply.status });
  if (api.received.length > MAX_RECORDED) api.received.splice(0, api.received.length - MAX_RECORDED);
  return reply;
}
