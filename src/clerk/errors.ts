import { command } from '../invocation.js';

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
  constructor(
    readonly request: RequestLabel,
    readonly status: number,
    readonly errors: readonly ClerkErrorItem[],
    readonly traceId: string | undefined,
    readonly retries: number,
    readonly retryAfter: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`Clerk answered ${status} to ${label(request)}${errors.length ? `: ${errors.map((e) => e.code).join(', ')}` : ''}`, options);
  }
}

/** Why no usable answer came back. */
export type FailureKind = 'network' | 'timeout' | 'aborted' | 'too-large' | 'not-json' | 'no-payload' | 'no-token' | 'signed-out';

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

const HINT_BY_CODE: Readonly<Record<string, string>> = {
  duplicate_record: 'An invitation to that address is already pending: list invitations with status=pending, and revoke the old one first if it must be sent again.',
  already_a_member_in_organization: 'That person is already a member of the organization: no invitation is needed.',
  organization_invitation_not_pending: 'Only pending invitations can be revoked: this one was already accepted, revoked or expired.',
  native_api_disabled: 'The Native API is disabled on this Clerk instance: enable it in the Clerk Dashboard (Native applications).',
  insufficient_seats: 'The organization has no free seats: raise its membership limit or remove members first.',
  organization_membership_quota_exceeded: 'The organization has reached its membership limit.',
  bulk_size_exceeded: 'Too many addresses in one call: split them into smaller batches.',
  origin_authorization_headers_conflict: 'Something between this server and Clerk added an Origin header: remove it (Clerk refuses Origin together with Authorization).',
};

function hintFor(error: ClerkApiError): string | undefined {
  for (const item of error.errors) {
    const hint = HINT_BY_CODE[item.code];
    if (hint) return hint;
  }
  switch (error.status) {
    case 401:
      return `The client token is invalid or expired, or the session was signed out: sign in again with \`${command('login')}\` in a terminal (or set a fresh CLERK_CLIENT_TOKEN); with several sessions, check CLERK_SESSION_ID.`;
    case 403: {
      const permissions = error.errors.flatMap((e) => (Array.isArray(e.meta?.permissions) ? e.meta.permissions : []));
      const missing = permissions.length ? permissions.join(', ') : 'org:sys_memberships:manage';
      return `The signed-in user lacks permission ${missing} in this organization (role org:admin has it): ask an admin, or use an account that is one.`;
    }
    case 404:
      return 'Check organization_id (org_…) and invitation_id (orginv_…): they must exist, and the signed-in user must belong to the organization.';
    case 422: {
      const params = error.errors.map((e) => e.meta?.param_name).filter((p): p is string => typeof p === 'string');
      return params.length ? `Check the argument ${params.map((p) => `"${p}"`).join(', ')}.` : 'Check the arguments against the tool\'s input schema.';
    }
    case 429: {
      const retried = error.retries ? ` (retried ${error.retries} time${error.retries > 1 ? 's' : ''})` : '';
      // Retry-After is either seconds or an HTTP date.
      const wait = !error.retryAfter ? ' a moment' : /^\d+$/.test(error.retryAfter) ? ` ${error.retryAfter} s` : ` until ${error.retryAfter}`;
      return `Clerk is rate limiting these requests${retried}: wait${wait} before trying again.`;
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
      const addresses = Array.isArray(item.meta?.email_addresses) ? ` (email addresses: ${item.meta.email_addresses.join(', ')})` : '';
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

const SIGN_IN_REFUSALS: Readonly<Record<string, (item: ClerkErrorItem) => string>> = {
  form_identifier_not_found: () => 'No account matches that email address or username on this Clerk instance.',
  form_password_incorrect: () => 'Wrong password.',
  form_code_incorrect: () => 'Wrong code.',
  verification_failed: () => 'Too many wrong codes: start the sign-in again.',
  verification_expired: () => 'The code has expired: start the sign-in again.',
  user_locked: (item) => {
    const seconds = Number(item.meta?.lockout_expires_in_seconds);
    const wait = Number.isFinite(seconds) && seconds > 0 ? `about ${Math.ceil(seconds / 60)} min` : 'a while';
    return `Too many failed attempts: the account is locked. Try again in ${wait}, or ask an admin to unlock it.`;
  },
  strategy_for_user_invalid: () => 'This account cannot sign in that way: choose another method.',
  native_api_disabled: () => 'The Native API is disabled on this Clerk instance: enable it in the Clerk Dashboard (Native applications), then sign in again.',
};

/** One line for a person at a terminal: why Clerk refused a sign-in step, or why it could not be asked. */
export function signInRefusal(error: unknown): string {
  if (error instanceof ClerkApiError) {
    for (const item of error.errors) {
      const known = SIGN_IN_REFUSALS[item.code];
      if (known) return known(item);
    }
    if (error.status === 429) {
      const wait = error.retryAfter && /^\d+$/.test(error.retryAfter) ? `${error.retryAfter} s` : 'a moment';
      return `Too many attempts: Clerk is rate limiting sign-ins. Wait ${wait} and try again.`;
    }
    const first = error.errors[0];
    const why = first ? `${first.code}: ${first.long_message ?? first.message ?? ''}`.replace(/:\s*$/, '') : 'no details';
    return `Clerk refused (${error.status} to ${label(error.request)}): ${why}${error.traceId ? ` (trace id ${error.traceId})` : ''}`;
  }
  return error instanceof Error ? error.message.replace(/\.$/, '') + '.' : String(error);
}
