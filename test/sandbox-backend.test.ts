import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_USERS, startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { backend, signInWithOAuth } from './helpers/sandbox-oauth.js';

const started: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(): Promise<Sandbox> {
  const sandbox = await startSandbox();
  started.push(sandbox);
  return sandbox;
}

const { admin, member } = SANDBOX_USERS;
const INVITATIONS = '/organizations/org_sandbox/invitations';

/** The Frontend API, as the pre-signed-in admin (native, form bodies, the envelope). */
async function frontend(sandbox: Sandbox, method: string, path: string, form?: Record<string, string>): Promise<{ status: number; response: unknown }> {
  const res = await fetch(`${sandbox.url}/v1${path}?_is_native=1`, {
    method,
    headers: { Authorization: `Bearer ${sandbox.clientToken}`, ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: res.status, response: ((await res.json()) as { response: unknown }).response };
}

const ids = (list: unknown): string[] => (list as { data: { id: string }[] }).data.map((i) => i.id);

describe('the sandbox\'s Backend API authentication', () => {
  it('refuses a missing or wrong secret key with Clerk\'s 401, and answers the sandbox\'s own', async () => {
    const sandbox = await start();
    expect(sandbox.secretKey).toMatch(/^sk_test_[A-Za-z0-9]{40}$/);
    expect(sandbox.backendApiUrl).toBe(`${sandbox.url}/bapi/v1`);
    for (const key of [null, 'sk_test_wrong', (await start()).secretKey]) {
      const { status, json } = await backend(sandbox, 'GET', INVITATIONS, undefined, key);
      expect(status).toBe(401);
      expect(json).toEqual({
        errors: [{ code: 'authentication_invalid', message: 'Invalid authentication', long_message: expect.any(String), meta: {} }],
        clerk_trace_id: expect.any(String),
      });
    }
    expect((await backend(sandbox, 'GET', INVITATIONS)).status).toBe(200);
  });

  it('records what it received, with the API version and without the Authorization header, and refuses a version that is not a date', async () => {
    const sandbox = await start();
    expect(sandbox.backendRequests).toEqual([]);
    await backend(sandbox, 'POST', INVITATIONS, { email_address: 'rec@example.com', role: 'org:member', inviter_user_id: admin.id });
    expect(sandbox.backendRequests).toEqual([
      { method: 'POST', path: INVITATIONS, query: '', body: { email_address: 'rec@example.com', role: 'org:member', inviter_user_id: admin.id }, apiVersion: null, status: 200 },
    ]);
    const versioned = await fetch(`${sandbox.backendApiUrl}${INVITATIONS}?limit=1`, { headers: { Authorization: `Bearer ${sandbox.secretKey}`, 'Clerk-API-Version': '2026-05-12' } });
    expect(versioned.status).toBe(200);
    expect(sandbox.backendRequests[1]).toMatchObject({ method: 'GET', query: 'limit=1', apiVersion: '2026-05-12', status: 200 });
    const badVersion = await fetch(`${sandbox.backendApiUrl}${INVITATIONS}`, { headers: { Authorization: `Bearer ${sandbox.secretKey}`, 'Clerk-API-Version': 'latest' } });
    expect(badVersion.status).toBe(400);
    expect(await badVersion.json()).toMatchObject({ errors: [{ code: 'api_version_invalid' }] });
    expect(JSON.stringify(sandbox.backendRequests)).not.toContain(sandbox.secretKey);
  });
});

describe('the sandbox\'s Backend API invitations, sharing state with the Frontend API', () => {
  it('lists through the Frontend API an invitation created through the Backend API, with the same id', async () => {
    const sandbox = await start();
    const created = await backend(sandbox, 'POST', INVITATIONS, {
      email_address: 'Via-Bapi@example.com', role: 'org:member', inviter_user_id: admin.id, private_metadata: { source: 'test' }, public_metadata: { team: 'a' }, expires_in_days: 3, notify: false,
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      object: 'organization_invitation', email_address: 'via-bapi@example.com', role: 'org:member', status: 'pending', organization_id: 'org_sandbox',
      inviter_id: admin.id, public_inviter_data: { user_id: admin.id, identifier: admin.email }, private_metadata: { source: 'test' },
    });
    expect(created.json).not.toHaveProperty('public_organization_data');
    expect(created.json['expires_at']).toBe((created.json['created_at'] as number) + 3 * 86_400_000);
    const listed = await frontend(sandbox, 'GET', INVITATIONS);
    const seen = (listed.response as { data: Record<string, unknown>[] }).data.find((i) => i['id'] === created.json['id']);
    expect(seen).toMatchObject({ email_address: 'via-bapi@example.com', public_metadata: { team: 'a' }, public_organization_data: { id: 'org_sandbox' } });
    expect(JSON.stringify(listed.response)).not.toContain('private_metadata');
    const fetched = await backend(sandbox, 'GET', `${INVITATIONS}/${created.json['id'] as string}`);
    expect(fetched.json).toEqual(created.json);
    expect((await backend(sandbox, 'GET', `${INVITATIONS}/orginv_unknown`)).json).toMatchObject({ errors: [{ code: 'organization_invitation_not_found' }] });
  });

  it('lists through the Backend API an invitation created through the Frontend API, its inviter the session\'s user', async () => {
    const sandbox = await start();
    const created = await frontend(sandbox, 'POST', INVITATIONS, { email_address: 'via-fapi@example.com', role: 'org:admin' });
    const id = (created.response as { id: string }).id;
    const listed = await backend(sandbox, 'GET', `${INVITATIONS}?status=pending&limit=1`);
    expect(listed.json['total_count']).toBe(3); // alice, bob and the new one.
    expect(listed.json['data']).toEqual([expect.objectContaining({ id, inviter_id: admin.id, email_address: 'via-fapi@example.com' })]);
    const pending = await backend(sandbox, 'GET', `${INVITATIONS}/pending`);
    expect(ids(pending.json)).toContain(id);
    const byEmail = await backend(sandbox, 'GET', `${INVITATIONS}?email_address=via-fapi@example.com`);
    expect(ids(byEmail.json)).toEqual([id]);
  });

  it('bulk-creates from a JSON array, each with its own role, listed through the Frontend API', async () => {
    const sandbox = await start();
    const bulk = await backend(sandbox, 'POST', `${INVITATIONS}/bulk`, [
      { email_address: 'b1@example.com', role: 'org:member', inviter_user_id: admin.id },
      { email_address: 'b2@example.com', role: 'org:admin', inviter_user_id: admin.id },
    ]);
    expect(bulk.status).toBe(200);
    expect((bulk.json['data'] as { email_address: string; role: string }[]).map((i) => [i.email_address, i.role])).toEqual([['b1@example.com', 'org:member'], ['b2@example.com', 'org:admin']]);
    expect(ids((await frontend(sandbox, 'GET', INVITATIONS)).response)).toEqual(expect.arrayContaining(ids(bulk.json)));
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ email_address: `x${i}@example.com`, role: 'org:member' }));
    expect((await backend(sandbox, 'POST', `${INVITATIONS}/bulk`, tooMany)).status).toBe(400);
  });

  it('revokes with an admin as requesting_user_id, seen as revoked through the Frontend API', async () => {
    const sandbox = await start();
    const alice = 'orginv_sandboxalice000000000000000';
    const revoked = await backend(sandbox, 'POST', `${INVITATIONS}/${alice}/revoke`, { requesting_user_id: admin.id });
    expect(revoked).toMatchObject({ status: 200, json: { id: alice, status: 'revoked' } });
    const listed = (await frontend(sandbox, 'GET', `${INVITATIONS}`)).response as { data: { id: string; status: string }[] };
    expect(listed.data.find((i) => i.id === alice)?.status).toBe('revoked');
  });

  it('refuses a member as inviter or revoker with Clerk\'s 403, creating and revoking nothing', async () => {
    const sandbox = await start();
    const before = await backend(sandbox, 'GET', INVITATIONS);
    const create = await backend(sandbox, 'POST', INVITATIONS, { email_address: 'nope@example.com', role: 'org:member', inviter_user_id: member.id });
    expect(create.status).toBe(403);
    expect(create.json).toMatchObject({ errors: [{ code: 'not_an_admin_in_organization', message: 'not an administrator' }], clerk_trace_id: expect.any(String) });
    const bulk = await backend(sandbox, 'POST', `${INVITATIONS}/bulk`, [
      { email_address: 'ok@example.com', role: 'org:member', inviter_user_id: admin.id },
      { email_address: 'nope@example.com', role: 'org:member', inviter_user_id: member.id },
    ]);
    expect(bulk.status).toBe(403);
    const revoke = await backend(sandbox, 'POST', `${INVITATIONS}/orginv_sandboxalice000000000000000/revoke`, { requesting_user_id: member.id });
    expect(revoke.json).toMatchObject({ errors: [{ code: 'not_an_admin_in_organization' }] });
    const outsider = await backend(sandbox, 'POST', '/organizations/org_readonly/invitations', { email_address: 'x@example.com', role: 'org:member', inviter_user_id: member.id });
    expect(outsider.json).toMatchObject({ errors: [{ code: 'not_a_member_in_organization' }] });
    expect((await backend(sandbox, 'GET', INVITATIONS)).json).toEqual(before.json);
  });

  it('answers a bad body with Clerk\'s 422 naming the parameter, and an unknown organization with 404', async () => {
    const sandbox = await start();
    const missing = await backend(sandbox, 'POST', INVITATIONS, { role: 'org:member' });
    expect(missing).toMatchObject({ status: 422, json: { errors: [{ code: 'form_param_missing', meta: { param_name: 'email_address' } }] } });
    const misspelt = await backend(sandbox, 'POST', INVITATIONS, { email_address: 'a@example.com', role: 'org:member', inviter_id: admin.id });
    expect(misspelt).toMatchObject({ status: 422, json: { errors: [{ code: 'form_param_unknown', meta: { param_name: 'inviter_id' } }] } });
    const unknownOrg = await backend(sandbox, 'GET', '/organizations/org_nope/invitations');
    expect(unknownOrg).toMatchObject({ status: 404, json: { errors: [{ code: 'resource_not_found' }] } });
  });
});

describe('the sandbox\'s Backend API against hostile bodies', () => {
  it('refuses non-JSON, malformed, non-object and too deeply nested bodies with Clerk\'s errors, and keeps serving', async () => {
    const sandbox = await start();
    const post = async (body: string, type = 'application/json') => {
      const res = await fetch(`${sandbox.backendApiUrl}${INVITATIONS}`, { method: 'POST', headers: { Authorization: `Bearer ${sandbox.secretKey}`, 'Content-Type': type }, body });
      return { status: res.status, json: (await res.json()) as { errors: { code: string }[] } };
    };
    expect(await post('email_address=a@example.com&role=org:member', 'application/x-www-form-urlencoded')).toMatchObject({ status: 400, json: { errors: [{ code: 'bad_request' }] } });
    expect(await post('{"email_address":')).toMatchObject({ status: 400, json: { errors: [{ code: 'bad_request' }] } });
    expect(await post('["a@example.com"]')).toMatchObject({ status: 400, json: { errors: [{ code: 'bad_request' }] } });
    const deep = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    const nested = await post(`{"email_address":"deep@example.com","role":"org:member","private_metadata":${deep}}`);
    expect(nested).toMatchObject({ status: 422, json: { errors: [{ code: 'form_param_format_invalid' }] } });
    const listed = await backend(sandbox, 'GET', INVITATIONS);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toContain('deep@example.com');
  });
});

describe('the sandbox\'s Backend API memberships and token verification', () => {
  it('lists a user\'s memberships with role and permissions: org:sys_memberships:manage for admins only', async () => {
    const sandbox = await start();
    const mine = async (id: string) => (await backend(sandbox, 'GET', `/users/${id}/organization_memberships`)).json as { data: { role: string; permissions: string[]; organization: { id: string } }[]; total_count: number };
    const adminOf = await mine(admin.id);
    expect(adminOf.total_count).toBe(2);
    expect(adminOf.data.find((m) => m.organization.id === 'org_sandbox')).toMatchObject({ role: 'org:admin', permissions: expect.arrayContaining(['org:sys_memberships:manage']) });
    const memberOf = await mine(member.id);
    expect(memberOf.data).toEqual([expect.objectContaining({ role: 'org:member', organization: expect.objectContaining({ id: 'org_sandbox' }) })]);
    expect(memberOf.data[0]?.permissions).not.toContain('org:sys_memberships:manage');
  });

  it('verifies an access token with exactly the fields of Clerk\'s clerk_idp_oauth_access_token, and 404s an unknown one', async () => {
    const sandbox = await start();
    const tokens = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    const { status, json } = await backend(sandbox, 'POST', '/oauth_applications/access_tokens/verify', { access_token: tokens.access_token });
    expect(status).toBe(200);
    expect(Object.keys(json).sort()).toEqual(['client_id', 'created_at', 'expiration', 'expired', 'id', 'object', 'revocation_reason', 'revoked', 'scopes', 'subject', 'updated_at'].sort());
    expect(json['id']).toMatch(/^oat_[0-9a-f]{32}$/);
    expect(json['id']).not.toBe(tokens.access_token);
    expect(json['expiration']).toBeGreaterThan(Date.now() / 1000 + 86_000);
    const unknown = await backend(sandbox, 'POST', '/oauth_applications/access_tokens/verify', { access_token: 'oat_forged' });
    expect(unknown).toMatchObject({ status: 404, json: { errors: [{ code: 'resource_not_found' }] } });
  });
});

describe('the sandbox\'s Backend API rate limit', () => {
  it('is off by default, and when set answers 429 with Retry-After past the limit, as Clerk limits an instance', async () => {
    const unlimited = await start();
    for (let i = 0; i < 12; i++) expect((await backend(unlimited, 'GET', INVITATIONS)).status).toBe(200);
    const limited = await startSandbox({ backendRateLimit: { requests: 3, windowSeconds: 10 } });
    started.push(limited);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await backend(limited, 'GET', INVITATIONS)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await fetch(`${limited.backendApiUrl}${INVITATIONS}`, { headers: { Authorization: `Bearer ${limited.secretKey}` } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(await res.json()).toMatchObject({ errors: [{ code: 'too_many_requests' }] });
  });
});

describe('member@sandbox.test on the Frontend API', () => {
  it('signs in with the sandbox password, and is refused invitations with 403 missing_organization_permission', async () => {
    const sandbox = await start();
    const signIn = await fetch(`${sandbox.url}/v1/client/sign_ins?_is_native=1`, {
      method: 'POST',
      headers: { Authorization: '', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ strategy: 'password', identifier: 'member@sandbox.test', password: 'sandbox-password' }).toString(),
    });
    expect(((await signIn.json()) as { response: { status: string } }).response.status).toBe('complete');
    const token = signIn.headers.get('authorization') ?? '';
    const create = await fetch(`${sandbox.url}/v1${INVITATIONS}?_is_native=1`, {
      method: 'POST',
      headers: { Authorization: token, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email_address: 'nope@example.com', role: 'org:member' }).toString(),
    });
    expect(create.status).toBe(403);
    expect(await create.json()).toMatchObject({ errors: [{ code: 'missing_organization_permission' }] });
  });
});
