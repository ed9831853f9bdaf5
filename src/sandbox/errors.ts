/** Clerk's error answers: `{ errors: [{ code, message, long_message, meta }], clerk_trace_id }`. */

export interface ClerkErrorEntry {
  code: string;
  message: string;
  long_message: string;
  meta: Record<string, unknown>;
}

/**
 * Every error the sandbox answers besides the 422 form errors: code → [status, short message], as
 * Clerk's error index gives them (NOTES.md). Where Clerk's exact answer is unconfirmed, it says so.
 */
const ERRORS = {
  resource_not_found: [404, 'Resource not found'],
  request_body_too_large: [413, 'Request body too large'],
  origin_authorization_headers_conflict: [400, 'Authorization header conflict'],
  api_version_invalid: [400, 'Invalid API version'],
  native_api_disabled: [400, 'Native API disabled'],
  signed_out: [401, 'Signed out'],
  authentication_invalid: [401, 'Invalid authentication'],
  organization_not_found_or_unauthorized: [404, 'Not found or unauthorized'],
  missing_organization_permission: [403, 'Missing permissions'],
  organization_invitation_not_found: [404, 'Invitation not found'],
  organization_invitation_not_pending: [404, 'Invitation is not pending'],
  duplicate_record: [400, 'Duplicate invitation'],
  organization_invitation_not_unique: [400, 'organization invitation not unique'],
  already_a_member_in_organization: [400, 'Already a member'],
  form_identifier_not_found: [422, "Couldn't find your account."],
  form_password_incorrect: [422, 'Password is incorrect. Try again, or use another method.'],
  form_code_incorrect: [422, 'Incorrect code'],
  strategy_for_user_invalid: [400, 'Invalid verification strategy'],
  verification_failed: [400, 'Too many failed attempts'],
  verification_expired: [400, 'Verification expired'],
  verification_missing: [400, 'Verification missing'],
  // Unconfirmed: Clerk's code for a first-factor step once the first factor is verified.
  verification_already_verified: [400, 'Already verified'],
  // Ticket refusals: Clerk's codes; the 400 is what clients of Clerk's Frontend API report.
  ticket_invalid_code: [400, 'Ticket invalid'],
  ticket_expired_code: [400, 'Ticket expired'],
  sign_in_token_already_used_code: [400, 'sign in token has already been used'],
  identifier_already_signed_in: [400, "You're already signed in"],
  user_locked: [403, 'Account locked'],
  // Backend API: the codes of Clerk's Go SDK and its docs' examples.
  not_an_admin_in_organization: [403, 'not an administrator'],
  not_a_member_in_organization: [403, 'not a member'],
  bad_request: [400, 'Bad Request'],
  too_many_requests: [429, 'Too many requests'],
  internal_clerk_error: [500, 'Oops, an unexpected error occurred'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

/** A Clerk error answer; thrown anywhere in request handling, turned into the response once. */
export class ClerkFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ClerkErrorEntry[],
  ) {
    super(errors.map((e) => e.code).join(', '));
  }
}

export function fail(code: ErrorCode, longMessage: string, meta: Record<string, unknown> = {}): ClerkFailure {
  const [status, message] = ERRORS[code];
  return new ClerkFailure(status, [{ code, message, long_message: longMessage, meta }]);
}
