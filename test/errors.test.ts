import { describe, expect, it } from 'vitest';
import { ClerkApiError, ClerkRequestError, describeFailure } from '../src/clerk/errors.js';

const post = { method: 'POST', path: '/v1/organizations/org_1/invitations' };

describe('describeFailure', () => {
  it('lists every code with its long message, the parameter and the addresses Clerk names', () => {
    const error = new ClerkApiError(post, 400, [
      { code: 'duplicate_record', long_message: 'There are already pending invitations for the following email addresses: a@x.com', meta: { email_addresses: ['a@x.com'] } },
      { code: 'form_param_unknown', message: 'is unknown', meta: { param_name: 'colour' } },
    ], 'trace_1', 0, undefined);
    expect(describeFailure('createOrganizationInvitations', error)).toBe([
      'createOrganizationInvitations failed: Clerk answered 400 Bad Request to POST /v1/organizations/org_1/invitations.',
      '- duplicate_record: There are already pending invitations for the following email addresses: a@x.com (email addresses: a@x.com)',
      '- form_param_unknown: is unknown (parameter: colour)',
      'Clerk trace id: trace_1',
      'Hint: An invitation to that address is already pending: list invitations with status=pending, and revoke the old one first if it must be sent again.',
    ].join('\n'));
  });

  it('says how long to wait after a 429 and how often it retried', () => {
    const error = new ClerkApiError({ method: 'GET', path: '/v1/x' }, 429, [{ code: 'too_many_requests' }], undefined, 2, '30');
    expect(describeFailure('t', error)).toContain('Hint: Clerk is rate limiting these requests (retried 2 times): wait 30 s before trying again.');
  });

  it('quotes a Retry-After given as a date', () => {
    const error = new ClerkApiError({ method: 'GET', path: '/v1/x' }, 429, [{ code: 'too_many_requests' }], undefined, 0, 'Wed, 21 Oct 2026 07:28:00 GMT');
    expect(describeFailure('t', error)).toContain('wait until Wed, 21 Oct 2026 07:28:00 GMT before trying again.');
  });

  it('explains the Native API being off', () => {
    const error = new ClerkApiError(post, 400, [{ code: 'native_api_disabled' }], undefined, 0, undefined);
    expect(describeFailure('t', error)).toContain('enable it in the Clerk Dashboard');
  });

  it('warns that a POST without an answer may have taken effect, and a GET not', () => {
    const lost = new ClerkRequestError(post, 'timeout', 'no answer from Clerk within 10 ms.', true);
    expect(describeFailure('t', lost)).toContain('may have reached Clerk and taken effect');
    const refused = new ClerkRequestError(post, 'network', 'could not reach Clerk (ECONNREFUSED).', false);
    expect(describeFailure('t', refused)).not.toContain('taken effect');
  });
});
