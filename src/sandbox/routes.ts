/** What the sandbox answers: the route table and how a path finds its route. */
import { deleteClient, getClient, listMemberships } from './account.js';
import { fail, type ClerkFailure } from './errors.js';
import { bulkCreateInvitations, createInvitation, listInvitations, listPending, revokeInvitation } from './invitations.js';
import { attemptFirstFactor, attemptSecondFactor, createSignIn, prepareFirstFactor, prepareSecondFactor } from './sign-in.js';
import type { Client, State } from './state.js';

export interface Context {
  readonly state: State;
  /** The client the request authenticated as; a sign-in without a token sets a new one here. */
  client: Client | undefined;
  /** The request presented a stale or unknown token: `client` is the brand-new one that replaces it. */
  readonly staleToken: boolean;
  /** Set by `DELETE /v1/client`: the answer clears the token (`Authorization: Bearer `). */
  clearToken?: boolean;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly form: URLSearchParams;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Segments after `/v1`; `:name` captures one non-empty segment. */
  readonly path: readonly string[];
  /** `optional`: also answers requests without a client token (Clerk creates the client, or has none). */
  readonly client: 'required' | 'optional';
  readonly handler: (ctx: Context) => unknown;
}

const INVITATIONS = ['organizations', ':organization_id', 'invitations'] as const;
const SIGN_IN = ['client', 'sign_ins', ':sign_in_id'] as const;
const ROUTES: readonly Route[] = [
  { method: 'GET', path: INVITATIONS, client: 'required', handler: listInvitations },
  { method: 'POST', path: INVITATIONS, client: 'required', handler: createInvitation },
  { method: 'POST', path: [...INVITATIONS, 'bulk'], client: 'required', handler: bulkCreateInvitations },
  { method: 'GET', path: [...INVITATIONS, 'pending'], client: 'required', handler: listPending },
  { method: 'POST', path: [...INVITATIONS, ':invitation_id', 'revoke'], client: 'required', handler: revokeInvitation },
  { method: 'GET', path: ['client'], client: 'optional', handler: getClient },
  { method: 'DELETE', path: ['client'], client: 'optional', handler: deleteClient },
  { method: 'POST', path: ['client', 'sign_ins'], client: 'optional', handler: createSignIn },
  { method: 'POST', path: [...SIGN_IN, 'prepare_first_factor'], client: 'required', handler: prepareFirstFactor },
  { method: 'POST', path: [...SIGN_IN, 'attempt_first_factor'], client: 'required', handler: attemptFirstFactor },
  { method: 'POST', path: [...SIGN_IN, 'prepare_second_factor'], client: 'required', handler: prepareSecondFactor },
  { method: 'POST', path: [...SIGN_IN, 'attempt_second_factor'], client: 'required', handler: attemptSecondFactor },
  { method: 'GET', path: ['me', 'organization_memberships'], client: 'required', handler: listMemberships },
];

export const notFound = (): ClerkFailure => fail('resource_not_found', 'The requested resource does not exist.');

export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } {
  const [first, version, ...segments] = path.split('/');
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
