import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';

interface ClerkErrorBody {
  errors: { code: string; message: string; long_message: string; meta: Record<string, unknown> }[];
  clerk_trace_id: string;
}

interface Invitation {
  id: string;
  object: string;
  email_address: string;
  role: string;
  role_name: string;
  organization_id: string;
  status: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

interface CallOptions {
  /** Query parameters besides `_is_native=1`; pass `native: false` to leave that out. */
  query?: [string, string][];
  native?: boolean;
  /** Form body as repeated pairs; sent as application/x-www-form-urlencoded. */
  form?: [string, string][];
  /** Overrides the Authorization header; `null` leaves it out. Default: `Bearer <current token>`. */
  authorization?: string | null;
  headers?: Record<string, string>;
  body?: string;
}

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await startSandbox();
});

afterEach(async () => {
  await sandbox.close();
});

async function call(method: string, path: string, options: CallOptions = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
  const query = new URLSearchParams(options.native === false ? [] : [['_is_native', '1']]);
  for (const [key, value] of options.query ?? []) query.append(key, value);
  const headers: Record<string, string> = { ...options.headers };
  const authorization = options.authorization === undefined ? `Bearer ${sandbox.clientToken}` : options.authorization;
  if (authorization !== null) headers['Authorization'] = authorization;
  let body = options.body;
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${sandbox.url}${path}?${query.toString()}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

function errorOf(json: unknown): ClerkErrorBody['errors'][number] {
  const first = (json as ClerkErrorBody).errors[0];
  if (first === undefined) throw new Error(`no errors in ${JSON.stringify(json)}`);
  return first;
}

const invitationsPath = (org = 'org_sandbox'): string => `/v1/organizations/${org}/invitations`;

async function listEmails(query: [string, string][] = []): Promise<string[]> {
  const { json } = await call('GET', invitationsPath(), { query: [['limit', '500'], ...query] });
  return (json as { response: { data: Invitation[] } }).response.data.map((i) => i.email_address);
}

describe('envelope and errors', () => {
  it('wraps success in { response, client } with the session and its JWT in client', async () => {
    const res = await call('GET', invitationsPath());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = res.json as { response: unknown; client: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(['client', 'response']);
    expect(body.client).toMatchObject({
      object: 'client',
      last_active_session_id: sandbox.sessionId,
      sign_in: null,
      sign_up: null,
      sessions: [
        {
          object: 'session',
          id: sandbox.sessionId,
          status: 'active',
          user: { id: 'user_sandbox_admin' },
          last_active_organization_id: 'org_sandbox',
          last_active_token: { object: 'token', jwt: sandbox.sessionJwt },
        },
      ],
    });
    expect(body.client['id']).toMatch(/^client_/);
  });

  it('answers errors as { errors: [{ code, message, long_message, meta }], clerk_trace_id }', async () => {
    const res = await call('GET', '/v1/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = res.json as ClerkErrorBody;
    expect(body.clerk_trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.errors).toEqual([
      { code: 'resource_not_found', message: expect.any(String), long_message: expect.any(String), meta: {} },
    ]);
  });

  it('answers 404 resource_not_found for unknown paths, wrong methods and bad percent-encoding', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['DELETE', invitationsPath()],
      ['GET', `${invitationsPath()}/bulk`],
      ['GET', `${invitationsPath()}/`],
      ['GET', '/v1/organizations/%E0%A4%A/invitations'],
      ['POST', '/v2/organizations/org_sandbox/invitations'],
    ] as const) {
      const res = await call(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(errorOf(res.json).code).toBe('resource_not_found');
    }
  });

  it('percent-decodes path segments once', async () => {
    const res = await call('GET', '/v1/organizations/org%5Fsandbox/invitations');
    expect(res.status).toBe(200);
    const twice = await call('GET', '/v1/organizations/org%255Fsandbox/invitations');
    expect(errorOf(twice.json).code).toBe('organization_not_found_or_unauthorized');
  });
});

describe('listing invitations', () => {
  it('lists the seeded invitations newest first with total_count, 10 per page by default', async () => {
    const { json } = await call('GET', invitationsPath());
    const response = (json as { response: { data: Invitation[]; total_count: number } }).response;
    expect(response.total_count).toBe(5);
    expect(response.data.map((i) => [i.email_address, i.status])).toEqual([
      ['alice@example.com', 'pending'],
      ['bob@example.com', 'pending'],
      ['carol@example.com', 'accepted'],
      ['dave@example.com', 'revoked'],
      ['erin@example.com', 'expired'],
    ]);
    const created = response.data.map((i) => i.created_at);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(response.data[0]).toMatchObject({
      object: 'organization_invitation',
      role: 'org:member',
      role_name: 'Member',
      organization_id: 'org_sandbox',
      public_organization_data: { id: 'org_sandbox', name: 'Sandbox Inc', slug: 'sandbox-inc', has_image: false },
      public_metadata: {},
      url: null,
    });
  });

  it('pages with limit and offset while total_count counts every match', async () => {
    const { json } = await call('GET', invitationsPath(), { query: [['limit', '2'], ['offset', '1']] });
    const response = (json as { response: { data: Invitation[]; total_count: number } }).response;
    expect(response.total_count).toBe(5);
    expect(response.data.map((i) => i.email_address)).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('filters by one or more repeated status parameters before paging', async () => {
    expect(await listEmails([['status', 'pending']])).toEqual(['alice@example.com', 'bob@example.com']);
    const { json } = await call('GET', invitationsPath(), { query: [['status', 'revoked'], ['status', 'expired'], ['limit', '1']] });
    const response = (json as { response: { data: Invitation[]; total_count: number } }).response;
    expect(response.total_count).toBe(2);
    expect(response.data.map((i) => i.email_address)).toEqual(['dave@example.com']);
  });

  it('answers the deprecated pending endpoint with a bare array', async () => {
    const { status, json } = await call('GET', `${invitationsPath()}/pending`);
    expect(status).toBe(200);
    const response = (json as { response: Invitation[] }).response;
    expect(Array.isArray(response)).toBe(true);
    expect(response.map((i) => i.email_address)).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('rejects bad limit, offset and status with 422 naming the parameter', async () => {
    const cases: [[string, string], string, string][] = [
      [['limit', '0'], 'form_param_format_invalid', 'limit'],
      [['limit', '501'], 'form_param_format_invalid', 'limit'],
      [['limit', 'ten'], 'form_param_format_invalid', 'limit'],
      [['offset', '-1'], 'form_param_format_invalid', 'offset'],
      [['offset', '1.5'], 'form_param_format_invalid', 'offset'],
      [['status', 'archived'], 'form_param_value_invalid', 'status'],
    ];
    for (const [param, code, name] of cases) {
      const res = await call('GET', invitationsPath(), { query: [param] });
      expect(res.status, param.join('=')).toBe(422);
      expect(errorOf(res.json)).toMatchObject({ code, meta: { param_name: name } });
    }
  });
});

describe('creating invitations', () => {
  it('creates a pending invitation that expires in 30 days, then lists it first', async () => {
    const before = Date.now();
    const { status, json } = await call('POST', invitationsPath(), {
      form: [['email_address', 'New.Person@Example.com'], ['role', 'org:admin'], ['notify', 'false']],
    });
    expect(status).toBe(200);
    const invitation = (json as { response: Invitation }).response;
    expect(invitation).toMatchObject({
      object: 'organization_invitation',
      email_address: 'new.person@example.com',
      role: 'org:admin',
      role_name: 'Admin',
      status: 'pending',
      organization_id: 'org_sandbox',
    });
    expect(invitation.id).toMatch(/^orginv_[0-9A-Za-z]{27}$/);
    expect(invitation.created_at).toBeGreaterThanOrEqual(before);
    expect(invitation.updated_at).toBe(invitation.created_at);
    expect(invitation.expires_at - invitation.created_at).toBe(30 * 86_400_000);
    expect((await listEmails())[0]).toBe('new.person@example.com');
  });

  it('answers 400 duplicate_record when the address already has a pending invitation', async () => {
    const form: [string, string][] = [['email_address', 'zoe@example.com'], ['role', 'org:basic_member']];
    expect((await call('POST', invitationsPath(), { form })).status).toBe(200);
    const again = await call('POST', invitationsPath(), { form });
    expect(again.status).toBe(400);
    expect(errorOf(again.json)).toMatchObject({ code: 'duplicate_record', meta: { email_addresses: ['zoe@example.com'] } });
  });

  it('answers 400 already_a_member_in_organization for an existing member', async () => {
    const res = await call('POST', invitationsPath(), { form: [['email_address', 'member@sandbox.test'], ['role', 'org:admin']] });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).code).toBe('already_a_member_in_organization');
  });

  it('allows inviting again an address whose invitation was revoked', async () => {
    const res = await call('POST', invitationsPath(), { form: [['email_address', 'dave@example.com'], ['role', 'org:basic_member']] });
    expect(res.status).toBe(200);
  });

  it('answers 422 with param_name for missing, unknown, malformed and invalid parameters', async () => {
    const cases: [[string, string][], string, string][] = [
      [[['role', 'org:admin']], 'form_param_missing', 'email_address'],
      [[['email_address', ''], ['role', 'org:admin']], 'form_param_missing', 'email_address'],
      [[['email_address', 'a@example.com']], 'form_param_missing', 'role'],
      [[['email_address', 'a@example.com'], ['role', 'org:admin'], ['redirect_url', 'https://x']], 'form_param_unknown', 'redirect_url'],
      [[['email_address', 'not-an-email'], ['role', 'org:admin']], 'form_param_format_invalid', 'email_address'],
      [[['email_address', 'a@example.com'], ['email_address', 'b@example.com'], ['role', 'org:admin']], 'form_param_format_invalid', 'email_address'],
      [[['email_address', 'a@example.com'], ['role', 'org:admin'], ['notify', 'yes']], 'form_param_format_invalid', 'notify'],
      [[['email_address', 'a@example.com'], ['role', 'org:admin'], ['notify', 'True']], 'form_param_format_invalid', 'notify'],
    ];
    for (const [form, code, name] of cases) {
      const res = await call('POST', invitationsPath(), { form });
      expect(res.status, JSON.stringify(form)).toBe(422);
      expect(errorOf(res.json), JSON.stringify(form)).toMatchObject({ code, meta: { param_name: name } });
    }
  });

  it('reports every invalid parameter at once', async () => {
    const res = await call('POST', invitationsPath(), { form: [['notify', 'maybe']] });
    const codes = (res.json as ClerkErrorBody).errors.map((e) => [e.code, e.meta['param_name']]);
    expect(codes).toEqual([
      ['form_param_missing', 'email_address'],
      ['form_param_missing', 'role'],
      ['form_param_format_invalid', 'notify'],
    ]);
  });

  it('ignores a JSON body, which therefore yields form_param_missing', async () => {
    const res = await call('POST', invitationsPath(), {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email_address: 'json@example.com', role: 'org:admin' }),
    });
    expect(res.status).toBe(422);
    expect(errorOf(res.json)).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'email_address' } });
  });

  it('accepts a form content type with a charset parameter', async () => {
    const res = await call('POST', invitationsPath(), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'email_address=plus%2Btag%40example.com&role=org%3Abasic_member',
    });
    expect(res.status).toBe(200);
    expect((res.json as { response: Invitation }).response.email_address).toBe('plus+tag@example.com');
  });
});

describe('bulk invitations', () => {
  it('creates one pending invitation per repeated email_address and answers a bare array', async () => {
    const res = await call('POST', `${invitationsPath()}/bulk`, {
      form: [['email_address', 'x1@example.com'], ['email_address', 'x2@example.com'], ['role', 'org:basic_member']],
    });
    expect(res.status).toBe(200);
    const response = (res.json as { response: Invitation[] }).response;
    expect(response.map((i) => [i.email_address, i.status])).toEqual([
      ['x1@example.com', 'pending'],
      ['x2@example.com', 'pending'],
    ]);
    expect(await listEmails([['status', 'pending']])).toHaveLength(4);
  });

  it('is all-or-nothing: one already-pending address fails the batch with duplicate_record', async () => {
    const res = await call('POST', `${invitationsPath()}/bulk`, {
      form: [['email_address', 'fresh@example.com'], ['email_address', 'alice@example.com'], ['role', 'org:admin']],
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toMatchObject({ code: 'duplicate_record', meta: { email_addresses: ['alice@example.com'] } });
    expect(await listEmails()).not.toContain('fresh@example.com');
  });

  it('answers 400 organization_invitation_not_unique for an address repeated within the request', async () => {
    const res = await call('POST', `${invitationsPath()}/bulk`, {
      form: [['email_address', 'twice@example.com'], ['email_address', 'TWICE@example.com'], ['role', 'org:admin']],
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toMatchObject({ code: 'organization_invitation_not_unique', meta: { email_addresses: ['twice@example.com'] } });
  });

  it('fails the whole batch with already_a_member_in_organization for a member', async () => {
    const res = await call('POST', `${invitationsPath()}/bulk`, {
      form: [['email_address', 'ok@example.com'], ['email_address', 'admin@sandbox.test'], ['role', 'org:admin']],
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).code).toBe('already_a_member_in_organization');
    expect(await listEmails()).not.toContain('ok@example.com');
  });

  it('requires at least one email_address and rejects a malformed one', async () => {
    const missing = await call('POST', `${invitationsPath()}/bulk`, { form: [['role', 'org:admin']] });
    expect(errorOf(missing.json)).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'email_address' } });
    const malformed = await call('POST', `${invitationsPath()}/bulk`, {
      form: [['email_address', 'ok@example.com'], ['email_address', 'nope'], ['role', 'org:admin']],
    });
    expect(errorOf(malformed.json)).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'email_address' } });
  });
});

describe('revoking invitations', () => {
  async function pendingId(email: string): Promise<string> {
    const { json } = await call('GET', `${invitationsPath()}/pending`);
    const found = (json as { response: Invitation[] }).response.find((i) => i.email_address === email);
    if (found === undefined) throw new Error(`no pending invitation for ${email}`);
    return found.id;
  }

  it('revokes a pending invitation, then answers 404 organization_invitation_not_pending', async () => {
    const id = await pendingId('alice@example.com');
    const first = await call('POST', `${invitationsPath()}/${id}/revoke`);
    expect(first.status).toBe(200);
    const revoked = (first.json as { response: Invitation }).response;
    expect(revoked).toMatchObject({ id, status: 'revoked' });
    expect(revoked.updated_at).toBeGreaterThan(revoked.created_at);
    const second = await call('POST', `${invitationsPath()}/${id}/revoke`);
    expect(second.status).toBe(404);
    expect(errorOf(second.json).code).toBe('organization_invitation_not_pending');
  });

  it('answers 404 organization_invitation_not_found for an unknown id', async () => {
    const res = await call('POST', `${invitationsPath()}/orginv_doesnotexist/revoke`);
    expect(res.status).toBe(404);
    expect(errorOf(res.json).code).toBe('organization_invitation_not_found');
  });

  it('rejects body parameters with form_param_unknown', async () => {
    const id = await pendingId('bob@example.com');
    const res = await call('POST', `${invitationsPath()}/${id}/revoke`, { form: [['reason', 'spam']] });
    expect(res.status).toBe(422);
    expect(errorOf(res.json)).toMatchObject({ code: 'form_param_unknown', meta: { param_name: 'reason' } });
  });
});

describe('organizations', () => {
  it('answers 403 missing_organization_permission where the user is only a basic member', async () => {
    const form: [string, string][] = [['email_address', 'a@example.com'], ['role', 'org:admin']];
    for (const [method, path, options] of [
      ['GET', invitationsPath('org_readonly'), {}],
      ['POST', `${invitationsPath('org_readonly')}/bulk`, { form }],
    ] as const) {
      const res = await call(method, path, options);
      expect(res.status).toBe(403);
      expect(errorOf(res.json)).toMatchObject({
        code: 'missing_organization_permission',
        meta: { permissions: ['org:sys_memberships:manage'] },
      });
    }
  });

  it('answers 404 organization_not_found_or_unauthorized for an unknown organization', async () => {
    const res = await call('GET', invitationsPath('org_unknown'));
    expect(res.status).toBe(404);
    expect(errorOf(res.json).code).toBe('organization_not_found_or_unauthorized');
  });
});

describe('native authentication', () => {
  it('answers 401 signed_out without an Authorization header, or with an empty one', async () => {
    for (const authorization of [null, '', 'Bearer ']) {
      const res = await call('GET', invitationsPath(), { authorization });
      expect(res.status).toBe(401);
      expect(errorOf(res.json).code).toBe('signed_out');
    }
  });

  it('answers 401 authentication_invalid when _is_native=1 is missing, explaining why', async () => {
    const res = await call('GET', invitationsPath(), { native: false });
    expect(res.status).toBe(401);
    const error = errorOf(res.json);
    expect(error.code).toBe('authentication_invalid');
    expect(error.long_message).toContain('_is_native=1');
  });

  it('answers an unknown token like Clerk: a brand-new client without sessions, 401 signed_out where a session is needed', async () => {
    const res = await call('GET', invitationsPath(), { authorization: 'Bearer a.b.c' });
    expect(res.status).toBe(401);
    expect(errorOf(res.json).code).toBe('signed_out');
    const replacement = res.headers.get('authorization');
    expect(replacement?.split('.')).toHaveLength(3);
    const client = await call('GET', '/v1/client', { authorization: `Bearer ${replacement}` });
    expect(client.status).toBe(200);
    expect(client.json).toMatchObject({ response: { object: 'client', sessions: [], last_active_session_id: null } });
  });

  it('accepts the raw token without the Bearer prefix', async () => {
    const res = await call('GET', invitationsPath(), { authorization: sandbox.clientToken });
    expect(res.status).toBe(200);
  });

  it('answers 400 origin_authorization_headers_conflict when Origin and Authorization are both sent', async () => {
    const res = await call('GET', invitationsPath(), { headers: { Origin: 'https://example.com' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).code).toBe('origin_authorization_headers_conflict');
  });

  it('checks _clerk_session_id against the active session', async () => {
    const ok = await call('GET', invitationsPath(), { query: [['_clerk_session_id', sandbox.sessionId]] });
    expect(ok.status).toBe(200);
    const other = await call('GET', invitationsPath(), { query: [['_clerk_session_id', 'sess_other']] });
    expect(other.status).toBe(401);
    expect(errorOf(other.json).code).toBe('signed_out');
  });

  it('accepts a YYYY-MM-DD __clerk_api_version and answers 400 api_version_invalid otherwise', async () => {
    const ok = await call('GET', invitationsPath(), { query: [['__clerk_api_version', '2026-05-12']] });
    expect(ok.status).toBe(200);
    const bad = await call('GET', invitationsPath(), { query: [['__clerk_api_version', 'latest']] });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.json).code).toBe('api_version_invalid');
  });

  it('returns the current client token in the Authorization header of every authenticated answer', async () => {
    const ok = await call('GET', invitationsPath());
    expect(ok.headers.get('authorization')).toBe(sandbox.clientToken);
    const notFound = await call('GET', invitationsPath('org_unknown'));
    expect(notFound.headers.get('authorization')).toBe(sandbox.clientToken);
    const unauthenticated = await call('GET', invitationsPath(), { authorization: null });
    expect(unauthenticated.headers.get('authorization')).toBeNull();
  });

  it('rotates the token on a successful POST; the previous one is stale at once', async () => {
    const t0 = sandbox.clientToken;
    expect(t0.split('.')).toHaveLength(3);
    const form: [string, string][] = [['email_address', 'r1@example.com'], ['role', 'org:admin']];
    const first = await call('POST', invitationsPath(), { authorization: `Bearer ${t0}`, form });
    const t1 = first.headers.get('authorization');
    expect(t1).not.toBeNull();
    expect(t1).not.toBe(t0);
    expect(sandbox.clientToken).toBe(t1);

    // No source says the previous token stays valid: it gets a new, signed-out client.
    const stale = await call('GET', invitationsPath(), { authorization: `Bearer ${t0}` });
    expect(stale.status).toBe(401);
    expect(errorOf(stale.json).code).toBe('signed_out');
    expect([t0, t1]).not.toContain(stale.headers.get('authorization'));
    const staleClient = await call('GET', '/v1/client', { authorization: `Bearer ${t0}` });
    expect(staleClient.status).toBe(200);
    expect(staleClient.json).toMatchObject({ response: { sessions: [] } });

    const second = await call('POST', invitationsPath(), { authorization: `Bearer ${t1}`, form: [['email_address', 'r2@example.com'], ['role', 'org:admin']] });
    expect(second.status).toBe(200);
    expect(second.headers.get('authorization')).not.toBe(t1);
  });

  it('does not rotate the token when a POST fails', async () => {
    const before = sandbox.clientToken;
    const res = await call('POST', invitationsPath(), { form: [['role', 'org:admin']] });
    expect(res.status).toBe(422);
    expect(res.headers.get('authorization')).toBe(before);
    expect(sandbox.clientToken).toBe(before);
  });
});

describe('robustness', () => {
  it('answers 413 request_body_too_large for a body over 1 MB', async () => {
    const res = await call('POST', invitationsPath(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `email_address=${'a'.repeat(1_100_000)}` });
    expect(res.status).toBe(413);
    expect(errorOf(res.json).code).toBe('request_body_too_large');
    expect((await call('GET', invitationsPath())).status).toBe(200);
  });

  it('gives each sandbox its own state', async () => {
    const other = await startSandbox();
    try {
      await call('POST', invitationsPath(), { form: [['email_address', 'only-here@example.com'], ['role', 'org:admin']] });
      expect(other.clientToken).not.toBe(sandbox.clientToken);
      const res = await fetch(`${other.url}${invitationsPath()}?_is_native=1&limit=500`, { headers: { Authorization: other.clientToken } });
      const emails = ((await res.json()) as { response: { data: Invitation[] } }).response.data.map((i) => i.email_address);
      expect(emails).not.toContain('only-here@example.com');
    } finally {
      await other.close();
    }
  });
});
