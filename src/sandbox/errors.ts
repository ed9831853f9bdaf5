/** Clerk's error answers: `{ errors: [{ code, message, long_message, meta }], clerk_trace_id }`. */

export interface ClerkErrorEntry {
  code: string;
  message: string;
  long_message: string;
  meta: Record<string, unknown>;
}

/** Every error the sandbox answers besides the 422 form errors: code → [status, short message]. */
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
  organization_invitation_not_pending: [400, 'Invitation is not pending'],
  duplicate_record: [400, 'Duplicate invitation'],
  already_a_member_in_organization: [400, 'Already a member'],
  form_identifier_not_found: [422, "Couldn't find your account."],
  form_password_incorrect: [422, 'Password is incorrect. Try again, or use another method.'],
  form_code_incorrect: [422, 'Incorrect code'],
  strategy_for_user_invalid: [422, 'Invalid verification strategy'],
  verification_failed: [422, 'Too many failed attempts'],
  verification_expired: [422, 'Verification expired'],
  // Unconfirmed codes: Clerk's exact answers for these cases are not published.
  ticket_invalid: [422, 'Invalid ticket'],
  verification_missing: [422, 'Verification missing'],
  sign_in_status_invalid: [422, 'Invalid sign-in status'],
  identifier_already_signed_in: [400, "You're already signed in"],
  user_locked: [403, 'Account locked'],
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
