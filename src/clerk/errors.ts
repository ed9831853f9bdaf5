import { command } from '../invocation.js';
import { retryAfterMs } from './retry-after.js';

/** One entry of Clerk's `errors` array. */
export interface ClerkErrorItem {
  readonly code: string;
  readonly message?: string;
  readonly long_message?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** What was asked of Clerk, for error messages: never the query (it carries the session id) nor headers. */
export interface RequestLabel {
  readonly method: string;
  readonly path: string;
}

const label = (request: RequestLabel): string => `${request.method} ${request.path}`;

/** Clerk answered with an error status and (usually) its error body. */
export class ClerkApiError extends Error {
  override readonly name = 'ClerkApiError';
  /** Form fields that a hint may quote back (`role`, `email_address`), as they were sent. */
  readonly sent: Readonly<Partial<Record<string, string>>>;
  constructor(
    readonly request: RequestLabel,
    readonly status: number,
    readonly errors: readonly ClerkErrorItem[],
    readonly traceId: string | undefined,
    readonly retries: number,
    readonly retryAfter: string | undefined,
    options?: ErrorOptions & { readonly sent?: Readonly<Partial<Record<string, string>>> },
  ) {
    super(`Clerk answered ${status} to ${label(request)}${errors.length ? `: ${errors.map((e) => e.code).join(', ')}` : ''}`, options);
    this.sent = options?.sent ?? {};
  }
}

/** Why no usable answer came back. */
export type FailureKind = 'network' | 'malformed' | 'timeout' | 'aborted' | 'too-large' | 'not-json' | 'no-payload' | 'no-token' | 'signed-out' | 'redirect';

/** No usable answer: the network failed, time ran out, or the answer was not Clerk's JSON. */
export class ClerkRequestError extends Error {
  override readonly name = 'ClerkRequestError';
  constructor(
    readonly request: RequestLabel,
    readonly kind: FailureKind,
    message: string,
    /** True when the request may have reached Clerk and had its effect. */
    readonly maybeApplied: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  409: 'Conflict', 413: 'Payload Too Large', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

// How many addresses or permissions a message lists before "and N more".
const MAX_LISTED = 20;

/**
 * The strings of a `meta` field that Clerk fills with a list (email_addresses, permissions,
 * identifiers). Only a flat array of strings is read: anything else, however deep, is ignored.
 */
function listed(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function joinListed(values: readonly string[]): string {
  const more = values.length - MAX_LISTED;
  return values.slice(0, MAX_LISTED).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

const ADMIN_FIX = 'ask an organization admin, or sign in as one';

function lacksPermission(error: ClerkApiError): string {
  const missing = joinListed(error.errors.flatMap((e) => listed(e.meta?.permissions))) || 'org:sys_memberships:manage';
  return `The signed-in user lacks permission ${missing} in this organization (role org:admin has it): ${ADMIN_FIX}.`;
}

function lockedFor(item: ClerkErrorItem): string {
  const seconds = Number(item.meta?.lockout_expires_in_seconds);
  return Number.isFinite(seconds) && seconds > 0 ? `about ${Math.ceil(seconds / 60)} min` : 'a while';
}

/** What Clerk's codes on the invitation calls mean, and what to do next (NOTES.md, "Errors"). */
const HINT_BY_CODE: Readonly<Record<string, (item: ClerkErrorItem, error: ClerkApiError) => string>> = {
  duplicate_record: () => 'An invitation to that address is already pending: list invitations with status=pending, and revoke the old one first if it must be sent again.',
  organization_invitation_not_unique: () => 'The organization already has a pending invitation for that address (one per address): list invitations with status=pending, and revoke the old one first if it must be sent again.',
  already_a_member_in_organization: () => 'That person is already a member of the organization: no invitation is needed.',
  organization_invitation_not_pending: () => 'Only pending invitations can be revoked: this one was already accepted, revoked or expired.',
  organization_invitation_not_found: () => 'No invitation with that invitation_id (orginv_…) in this organization: list its invitations to find the right id.',
  organization_not_found_or_unauthorized: () => 'Check organization_id (org_…): the organization must exist, and the signed-in user must belong to it.',
  missing_organization_permission: (_item, error) => lacksPermission(error),
  not_a_member_in_organization: () => `The signed-in user is not a member of this organization, and managing its invitations needs permission org:sys_memberships:manage there (role org:admin has it): ${ADMIN_FIX}.`,
  not_allowed_access: (item) => {
    const who = joinListed(listed(item.meta?.identifiers));
    return `The instance's allowlist or blocklist refuses ${who || 'that address'}: invite another address, or change the lists in the Clerk Dashboard (Restrictions).`;
  },
  invitations_not_supported_in_organization: () => 'Clerk does not take invitations for this organization: check the organization\'s and the instance\'s organization settings in the Clerk Dashboard.',
  action_blocked: () => 'Clerk blocked this action (abuse or bot protection): try again later; if it persists, check the instance\'s protection settings in the Clerk Dashboard.',
  user_locked: (item) => `The signed-in user is locked out after too many failed sign-in attempts: wait ${lockedFor(item)}, or ask an admin to unlock the account in the Clerk Dashboard.`,
  native_api_disabled: () => 'The Native API is disabled on this Clerk instance: enable it in the Clerk Dashboard (Native applications).',
  insufficient_seats: () => 'The organization has no free seats: raise its membership limit or remove members first.',
  organization_membership_quota_exceeded: () => 'The organization has reached its membership limit (pending invitations count too).',
  bulk_size_exceeded: () => 'Too many addresses in one call: split them into smaller batches.',
  origin_authorization_headers_conflict: () => 'Something between this server and Clerk added an Origin header: remove it (Clerk refuses Origin together with Authorization).',
};

/** An unknown role: Clerk names the parameter (`meta.param_name`), and the hint names the role and where the roles are listed. */
function roleHint(error: ClerkApiError): string | undefined {
  // A missing or misspelt parameter is another matter: the 422 hint names it.
  if (!error.errors.some((e) => e.meta?.param_name === 'role' && e.code !== 'form_param_missing' && e.code !== 'form_param_unknown')) return undefined;
  const role = error.sent.role === undefined ? 'the role given' : `the role ${JSON.stringify(error.sent.role)}`;
  return `This Clerk instance does not know ${role}: use one of its role keys. The default roles are org:admin and org:member (org:basic_member on older instances); GET /v1/organizations/{organization_id}/roles on the Frontend API, or the Clerk Dashboard (Organizations → Roles), lists the organization's roles.`;
}

/** Retry-After as a person reads it: "30 s", "until <date>", or "a moment" when it does not parse. */
function waitFor(retryAfter: string | undefined): string {
  const ms = retryAfterMs(retryAfter);
  if (ms === undefined || retryAfter === undefined) return 'a moment';
  return /^\d+$/.test(retryAfter.trim()) ? `${retryAfter.trim()} s` : `until ${retryAfter.trim()}`;
}

function hintFor(error: ClerkApiError): string | undefined {
  const role = roleHint(error);
  if (role) return role;
  for (const item of error.errors) {
    const hint = HINT_BY_CODE[item.code];
    if (hint) return hint(item, error);
  }
  // No Clerk error body on a refusal: something else (a proxy, another site) answered.
  const noClerkBody = error.errors.every((e) => e.code === 'no_clerk_error_body');
  if (noClerkBody && error.status >= 400 && error.status < 500 && error.status !== 429) {
    return `Something other than Clerk's Frontend API answered (no Clerk error body): check CLERK_FRONTEND_API_URL (or CLERK_PUBLISHABLE_KEY) points at the instance's Frontend API, including a proxy's path such as /__clerk.`;
  }
  switch (error.status) {
    case 401:
      return `The client token is invalid or expired, or the session was signed out: sign in again with \`${command('login')}\` in a terminal or \`${command('login --web')}\` in a browser (or set a fresh CLERK_CLIENT_TOKEN); with several sessions, check CLERK_SESSION_ID.`;
    case 404:
      return 'Check organization_id (org_…) and invitation_id (orginv_…): they must exist, and the signed-in user must belong to the organization.';
    case 422: {
      const params = error.errors.map((e) => e.meta?.param_name).filter((p): p is string => typeof p === 'string');
      return params.length ? `Check the argument ${params.map((p) => `"${p}"`).join(', ')}.` : 'Check the arguments against the tool\'s input schema.';
    }
    case 429: {
      const retried = error.retries ? ` (retried ${error.retries} time${error.retries > 1 ? 's' : ''})` : '';
      return `Clerk is rate limiting these requests${retried}: wait ${waitFor(error.retryAfter)} before trying again.`;
    }
    default:
      if (error.status < 500) return undefined;
      return error.request.method === 'GET'
        ? 'Clerk, or a gateway in front of it, failed: try again later.'
        : 'Clerk, or a gateway in front of it, failed, and the request may still have taken effect, so it was not sent again: list the invitations to check before repeating it.';
  }
}

/** Formats a failed call for a person or an agent: what was asked, what Clerk said, what to do next. */
export function describeFailure(tool: string, error: unknown): string {
  if (error instanceof ClerkApiError) {
    const lines = [`${tool} failed: Clerk answered ${error.status} ${STATUS_TEXT[error.status] ?? ''}`.trimEnd() + ` to ${label(error.request)}.`];
    for (const item of error.errors) {
      const text = item.long_message ?? item.message ?? '';
      const param = typeof item.meta?.param_name === 'string' ? ` (parameter: ${item.meta.param_name})` : '';
      const emails = listed(item.meta?.email_addresses);
      const addresses = emails.length ? ` (email addresses: ${joinListed(emails)})` : '';
      lines.push(`- ${item.code}: ${text}${param}${addresses}`);
    }
    if (error.traceId) lines.push(`Clerk trace id: ${error.traceId}`);
    const hint = hintFor(error);
    if (hint) lines.push(`Hint: ${hint}`);
    return lines.join('\n');
  }
  if (error instanceof ClerkRequestError) {
    const lines = [`${tool} failed: ${error.message}`];
    if (error.maybeApplied) {
      lines.push('The request may have reached Clerk and taken effect, so it was not sent again: list the invitations to check before repeating it.');
    }
    return lines.join('\n');
  }
  return `${tool} failed: ${error instanceof Error ? error.message : String(error)}`;
}

const NEW_TOKEN = 'create a new sign-in token with the Backend API (POST /v1/sign_in_tokens)';

const SIGN_IN_REFUSALS: Readonly<Record<string, (item: ClerkErrorItem) => string>> = {
  form_identifier_not_found: () => 'No account matches that email address or username on this Clerk instance.',
  form_password_incorrect: () => 'Wrong password.',
  form_code_incorrect: () => 'Wrong code.',
  verification_failed: () => 'Too many wrong codes: start the sign-in again.',
  verification_expired: () => 'The code has expired: start the sign-in again.',
  verification_missing: () => 'Clerk has no code pending for this step (it was never sent, or the sign-in moved on): start the sign-in again.',
  user_locked: (item) => `Too many failed attempts: the account is locked. Try again in ${lockedFor(item)}, or ask an admin to unlock it.`,
  strategy_for_user_invalid: () => 'This account cannot sign in that way: choose another method.',
  native_api_disabled: () => 'The Native API is disabled on this Clerk instance: enable it in the Clerk Dashboard (Native applications), then sign in again.',
  not_allowed_access: () => 'This account is not allowed on this Clerk instance (its allowlist or blocklist refuses it).',
  action_blocked: () => 'Clerk blocked this sign-in (abuse or bot protection): try again later.',
  ticket_invalid_code: () => `The sign-in token is not valid (mistyped, or from another instance): ${NEW_TOKEN}.`,
  ticket_expired_code: () => `The sign-in token has expired: ${NEW_TOKEN}.`,
  sign_in_token_already_used_code: () => `The sign-in token was already used, and each works once: ${NEW_TOKEN}.`,
  sign_in_token_revoked_code: () => `The sign-in token was revoked: ${NEW_TOKEN}.`,
  sign_in_token_cannot_be_used_code: () => `The sign-in token can no longer be used (it is not pending): ${NEW_TOKEN}.`,
};

/** Why a sign-in that Clerk left in `status` cannot be finished in a terminal, and the way out. */
export function signInStatusProblem(status: string): string {
  const ticket = `\`${command('login')} --ticket\``;
  switch (status) {
    case 'needs_new_password':
      return `Clerk wants a new password for this account first (e.g. the old one appeared in a data breach): set one through the application's web sign-in, then sign in again, or use ${ticket}.`;
    case 'needs_protect_check':
      // Signing in on the web gives this command no token: only a ticket brings one here.
      return `Clerk's bot protection wants a check that only a browser can pass, so this sign-in cannot finish in a terminal: use ${ticket} with a sign-in token from the Backend API.`;
    default:
      return `Clerk wants a step a terminal cannot do (sign-in status ${status}): sign in on the web, or use ${ticket}.`;
  }
}

/** One line for a person at a terminal: why Clerk refused a sign-in step, or why it could not be asked. */
export function signInRefusal(error: unknown): string {
  if (error instanceof ClerkApiError) {
    for (const item of error.errors) {
      const known = SIGN_IN_REFUSALS[item.code];
      if (known) return known(item);
    }
    if (error.status === 429) {
      return `Too many attempts: Clerk is rate limiting sign-ins. Wait ${waitFor(error.retryAfter)} and try again.`;
    }
    const first = error.errors[0];
    const why = first ? `${first.code}: ${first.long_message ?? first.message ?? ''}`.replace(/:\s*$/, '') : 'no details';
    return `Clerk refused (${error.status} to ${label(error.request)}): ${why}${error.traceId ? ` (trace id ${error.traceId})` : ''}`;
  }
  return error instanceof Error ? error.message.replace(/\.$/, '') + '.' : String(error);
}
