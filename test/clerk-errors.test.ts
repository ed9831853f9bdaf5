import { afterEach, describe, expect, it } from 'vitest';
import { ClerkApiError, describeFailure, signInRefusal, signInStatusProblem, type ClerkErrorItem } from '../src/clerk/errors.js';
import { connect, text, type Connected } from './helpers/connect.js';
import { clerkErrors, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';

let fake: FakeClerk | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

async function callWith(handler: Handler, tool = 'createOrganizationInvitations', args: Record<string, unknown> = { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' }): Promise<string> {
  fake = await startFakeClerk(handler);
  mcp = await connect({ baseUrl: fake.url });
  const result = await mcp.call(tool, args);
  expect(result.isError).toBe(true);
  return text(result);
}

const post = { method: 'POST', path: '/v1/organizations/org_1/invitations' };
const refusal = (status: number, item: ClerkErrorItem): string => describeFailure('createOrganizationInvitations', new ClerkApiError(post, status, [item], undefined, 0, undefined));
const nested = (depth: number, leaf: string): string => `${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}`;

describe('answers that did not come from Clerk', () => {
  it('points a 404 without a Clerk error body at CLERK_FRONTEND_API_URL, not at the ids', async () => {
    const message = await callWith(() => ({ status: 404, text: '<html>Not Found</html>' }), 'getOrganizationInvitations', { organization_id: 'org_1' });
    expect(message).toContain('getOrganizationInvitations failed: Clerk answered 404 Not Found to GET /v1/organizations/org_1/invitations.');
    expect(message).toMatch(/Hint: Something other than Clerk's Frontend API answered \(no Clerk error body\): check CLERK_FRONTEND_API_URL/);
    expect(message).not.toContain('organization_id');
  });

  it('still points a 404 with Clerk\'s own code at the ids', () => {
    expect(refusal(404, { code: 'organization_not_found_or_unauthorized' })).toContain('Hint: Check organization_id (org_…)');
    expect(refusal(404, { code: 'organization_invitation_not_found' })).toContain('Hint: No invitation with that invitation_id (orginv_…)');
  });
});

describe('a 401 (the sign-in has ended)', () => {
  it('names both ways to sign in again: login in a terminal and login --web in a browser', () => {
    const message = refusal(401, { code: 'signed_out' });
    expect(message).toMatch(/sign in again with `.+ login` in a terminal or `.+ login --web` in a browser/);
  });
});

describe('deep JSON in an error\'s meta', () => {
  it.each([
    ['email_addresses nested 10000 deep', 400, 'duplicate_record', 'email_addresses', /Hint: An invitation to that address is already pending/],
    ['permissions nested 10000 deep', 403, 'missing_organization_permission', 'permissions', /Hint: The signed-in user lacks permission org:sys_memberships:manage/],
    ['identifiers nested 10000 deep', 403, 'not_allowed_access', 'identifiers', /Hint: The instance's allowlist or blocklist refuses that address/],
  ])('%s still gives the tool name, the status and a hint', async (_what, status, code, field, hint) => {
    const body = `{"errors":[{"code":"${code}","long_message":"refused","meta":{"${field}":${nested(10_000, 'a@example.com')}}}]}`;
    const message = await callWith(() => ({ status, headers: { 'content-type': 'application/json' }, text: body }));
    expect(message).toContain(`createOrganizationInvitations failed: Clerk answered ${status} `);
    expect(message).toContain(`- ${code}: refused`);
    expect(message).toMatch(hint);
  });

  it('reads only the strings of a list, and says how many more there are', () => {
    const many = Array.from({ length: 25 }, (_, i) => `p${i}@example.com`);
    const message = refusal(400, { code: 'duplicate_record', meta: { email_addresses: [...many, { nested: ['x@example.com'] }, 42] } });
    expect(message).toContain(`(email addresses: ${many.slice(0, 20).join(', ')} and 5 more)`);
    expect(message).not.toContain('x@example.com');
  });
});

describe('Clerk\'s codes on the invitation calls', () => {
  it.each([
    [403, 'not_allowed_access', { identifiers: ['a@example.com'] }, /refuses a@example\.com: invite another address, or change the lists in the Clerk Dashboard/],
    [403, 'invitations_not_supported_in_organization', {}, /does not take invitations for this organization/],
    [403, 'action_blocked', {}, /blocked this action \(abuse or bot protection\)/],
    [403, 'user_locked', { lockout_expires_in_seconds: 1800 }, /locked out after too many failed sign-in attempts: wait about 30 min/],
    [400, 'organization_invitation_not_unique', {}, /already has a pending invitation for that address/],
    [404, 'organization_invitation_not_pending', {}, /Only pending invitations can be revoked/],
  ])('explains %i %s in its own words, without the permission hint', (status, code, meta, hint) => {
    const message = refusal(status, { code, meta });
    expect(message).toMatch(hint);
    expect(message).not.toContain('lacks permission');
    expect(message).not.toContain('Check organization_id');
  });

  it.each(['missing_organization_permission', 'not_a_member_in_organization'])('gives the org:sys_memberships:manage hint for %s', (code) => {
    expect(refusal(403, { code })).toMatch(/Hint: .*org:sys_memberships:manage.*role org:admin has it/);
  });

  it('names an unknown role and how to list the organization\'s roles', async () => {
    const message = await callWith(
      () => ({ status: 404, json: clerkErrors({ code: 'resource_not_found', long_message: 'Organization role not found', meta: { param_name: 'role' } }) }),
      'createOrganizationInvitations',
      { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:reviewer' },
    );
    expect(message).toContain('Hint: This Clerk instance does not know the role "org:reviewer": use one of its role keys. The default roles are org:admin and org:member (org:basic_member on older instances); GET /v1/organizations/{organization_id}/roles');
    expect(message).not.toContain('Check organization_id');
  });

  it('gives the role hint for a role Clerk refuses, not for a missing one', () => {
    expect(refusal(422, { code: 'form_param_value_invalid', meta: { param_name: 'role' } })).toContain('Hint: This Clerk instance does not know the role given');
    const missing = refusal(422, { code: 'form_param_missing', meta: { param_name: 'role' } });
    expect(missing).toContain('Hint: Check the argument "role".');
    expect(missing).not.toContain('does not know');
  });

  it('says "a moment" for a Retry-After that does not parse', () => {
    const error = new ClerkApiError({ method: 'GET', path: '/v1/x' }, 429, [{ code: 'too_many_requests' }], undefined, 0, 'soon');
    expect(describeFailure('t', error)).toContain('wait a moment before trying again.');
    expect(signInRefusal(error)).toBe('Too many attempts: Clerk is rate limiting sign-ins. Wait a moment and try again.');
  });
});

describe('sign-in refusals and statuses, one line each', () => {
  const signIn = { method: 'POST', path: '/v1/client/sign_ins' };
  it.each([
    [400, 'verification_failed', 'Too many wrong codes: start the sign-in again.'],
    [400, 'verification_expired', 'The code has expired: start the sign-in again.'],
    [400, 'strategy_for_user_invalid', 'This account cannot sign in that way: choose another method.'],
    [400, 'verification_missing', 'Clerk has no code pending for this step (it was never sent, or the sign-in moved on): start the sign-in again.'],
    [400, 'ticket_invalid_code', 'The sign-in token is not valid (mistyped, or from another instance): create a new sign-in token with the Backend API (POST /v1/sign_in_tokens).'],
    [400, 'ticket_expired_code', 'The sign-in token has expired: create a new sign-in token with the Backend API (POST /v1/sign_in_tokens).'],
    [400, 'sign_in_token_already_used_code', 'The sign-in token was already used, and each works once: create a new sign-in token with the Backend API (POST /v1/sign_in_tokens).'],
    [400, 'sign_in_token_revoked_code', 'The sign-in token was revoked: create a new sign-in token with the Backend API (POST /v1/sign_in_tokens).'],
    [400, 'sign_in_token_cannot_be_used_code', 'The sign-in token can no longer be used (it is not pending): create a new sign-in token with the Backend API (POST /v1/sign_in_tokens).'],
    [403, 'user_locked', 'Too many failed attempts: the account is locked. Try again in a while, or ask an admin to unlock it.'],
  ])('%i %s', (status, code, line) => {
    expect(signInRefusal(new ClerkApiError(signIn, status, [{ code }], undefined, 0, undefined))).toBe(line);
  });

  it.each([
    ['needs_new_password', /^Clerk wants a new password for this account first .*: set one through the application's web sign-in, then sign in again, or use `.*login --ticket`\.$/],
    ['needs_protect_check', /^Clerk's bot protection wants a check that only a browser can pass, so this sign-in cannot finish in a terminal: use `.*login --ticket` with a sign-in token from the Backend API\.$/],
    ['needs_identifier', /^Clerk wants a step a terminal cannot do \(sign-in status needs_identifier\)/],
  ])('explains the status %s', (status, line) => {
    expect(signInStatusProblem(status)).toMatch(line);
  });
});
