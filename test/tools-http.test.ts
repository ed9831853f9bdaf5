import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, text, type Connected } from './helpers/connect.js';
import { CLIENT_TOKEN, SESSION_JWT, clerkErrors, envelope, invitation, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';

let fake: FakeClerk | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

async function setUp(handler: Handler, settings: Record<string, unknown> = {}): Promise<{ fake: FakeClerk; mcp: Connected }> {
  fake = await startFakeClerk(handler);
  mcp = await connect({ baseUrl: fake.url, ...settings });
  return { fake, mcp };
}

const ok = (response: unknown): ReturnType<Handler> => ({ json: envelope(response) });

describe('requests sent to Clerk', () => {
  it('creates an invitation with a form body, native auth and the API version, and no Origin header', async () => {
    const { fake, mcp } = await setUp(() => ok(invitation()));
    const result = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin', notify: false });

    expect(result.isError).toBeFalsy();
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v1/organizations/org_1/invitations');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ _is_native: '1', __clerk_api_version: '2026-05-12' });
    expect(req?.headers.authorization).toBe(`Bearer ${CLIENT_TOKEN}`);
    expect(req?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req?.headers.origin).toBeUndefined();
    expect(req?.headers['clerk-api-version']).toBeUndefined();
    expect(req?.body).toBe('email_address=a%40example.com&role=org%3Aadmin&notify=false');
  });

  it('sends bulk addresses as repeated keys without brackets', async () => {
    const { fake, mcp } = await setUp(() => ok([invitation(), invitation({ id: 'orginv_2', email_address: 'b@example.com' })]));
    const result = await mcp.call('bulkCreateOrganizationInvitations', {
      organization_id: 'org_1',
      email_address: ['a@example.com', 'b@example.com'],
      role: 'org:basic_member',
    });
    expect(result.isError).toBeFalsy();
    expect(fake.requests[0]?.path).toBe('/v1/organizations/org_1/invitations/bulk');
    expect(fake.requests[0]?.body).toBe('email_address=a%40example.com&email_address=b%40example.com&role=org%3Abasic_member');
  });

  it('sends list filters as query parameters and nothing the caller did not ask for', async () => {
    const { fake, mcp } = await setUp(() => ok({ data: [], total_count: 0 }));
    await mcp.call('getOrganizationInvitations', { organization_id: 'org_1', status: 'pending', limit: 50, offset: 100 });
    await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    const [withFilters, plain] = fake.requests;
    expect(withFilters?.method).toBe('GET');
    expect(withFilters?.query.get('status')).toBe('pending');
    expect(withFilters?.query.get('limit')).toBe('50');
    expect(withFilters?.query.get('offset')).toBe('100');
    expect([...(plain?.query.keys() ?? [])].sort()).toEqual(['__clerk_api_version', '_is_native']);
    expect(plain?.body).toBe('');
  });

  it('sends the session id and a configured API version', async () => {
    const { fake, mcp } = await setUp(() => ok([]), { sessionId: 'sess_42', apiVersion: '2025-11-10' });
    await mcp.call('getAllPendingOrganizationInvitations', { organization_id: 'org_1' });
    expect(fake.requests[0]?.query.get('_clerk_session_id')).toBe('sess_42');
    expect(fake.requests[0]?.query.get('__clerk_api_version')).toBe('2025-11-10');
  });

  it('percent-encodes each id into exactly one path segment, and revokes without a body', async () => {
    const { fake, mcp } = await setUp(() => ok(invitation({ status: 'revoked' })));
    const result = await mcp.call('revokePendingOrganizationInvitation', { organization_id: 'org_1/../x', invitation_id: '%2F a?b#c' });
    expect(result.isError).toBeFalsy();
    expect(fake.requests[0]?.path).toBe('/v1/organizations/org_1%2F..%2Fx/invitations/%252F%20a%3Fb%23c/revoke');
    expect(fake.requests[0]?.body).toBe('');
  });

  it('keeps Clerk\'s own query parameters single and unchangeable by tool arguments', async () => {
    const { fake, mcp } = await setUp(() => ok([]));
    await mcp.clerk.request({ method: 'GET', path: '/v1/x', query: { _is_native: '0', __clerk_api_version: ['1999-01-01', 'x'], other: 1 } });
    expect(fake.requests[0]?.query.getAll('_is_native')).toEqual(['1']);
    expect(fake.requests[0]?.query.getAll('__clerk_api_version')).toEqual(['2026-05-12']);
    expect(fake.requests[0]?.query.get('other')).toBe('1');
  });

  it('sends the rotated client token from the next request on', async () => {
    const { fake, mcp } = await setUp((_req, hit) => ({ json: envelope(invitation()), headers: { authorization: `rotated_token_${hit}` } }));
    await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'b@example.com', role: 'org:admin' });
    await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${CLIENT_TOKEN}`, 'Bearer rotated_token_1', 'Bearer rotated_token_2']);
  });
});

describe('arguments refused before any request', () => {
  const invalid: [string, string, Record<string, unknown>, RegExp][] = [
    ['an empty organization id', 'getOrganizationInvitations', { organization_id: '' }, /organization_id/],
    ['a blank invitation id', 'revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: '  ' }, /invitation_id/],
    ['a ".." id', 'revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: '..' }, /invitation_id/],
    ['a malformed email', 'createOrganizationInvitations', { organization_id: 'org_1', email_address: 'not-an-email', role: 'org:admin' }, /email_address/],
    ['a missing role', 'createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com' }, /role/],
    ['a string for notify', 'createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin', notify: 'no' }, /notify/],
    ['a misspelt argument', 'createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin', Notify: false }, /Notify/],
    ['an unknown status', 'getOrganizationInvitations', { organization_id: 'org_1', status: 'open' }, /status/],
    ['a limit above 500', 'getOrganizationInvitations', { organization_id: 'org_1', limit: 501 }, /limit/],
    ['a negative offset', 'getOrganizationInvitations', { organization_id: 'org_1', offset: -1 }, /offset/],
    ['a fractional limit', 'getOrganizationInvitations', { organization_id: 'org_1', limit: 2.5 }, /limit/],
    ['an empty bulk list', 'bulkCreateOrganizationInvitations', { organization_id: 'org_1', email_address: [], role: 'org:admin' }, /email_address/],
    ['a malformed bulk address', 'bulkCreateOrganizationInvitations', { organization_id: 'org_1', email_address: ['a@example.com', 'nope'], role: 'org:admin' }, /email_address/],
  ];
  it.each(invalid)('refuses %s with a tool error naming the argument', async (_what, tool, args, names) => {
    const { fake, mcp } = await setUp(() => ok([]));
    const result = await mcp.call(tool, args);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(names);
    expect(fake.requests).toHaveLength(0);
    // The server keeps serving.
    expect((await mcp.call('getAllPendingOrganizationInvitations', { organization_id: 'org_1' })).isError).toBeFalsy();
    expect(fake.requests).toHaveLength(1);
  });

  it('answers with an error that says how to get a token when none is configured, sending nothing', async () => {
    const { fake, mcp } = await setUp(() => ok([]), { clientToken: undefined });
    const result = await mcp.call('getAllPendingOrganizationInvitations', { organization_id: 'org_1' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('CLERK_CLIENT_TOKEN');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('tool results', () => {
  it('returns the invitation as structuredContent and as JSON text, extra fields kept, the client object dropped', async () => {
    const { mcp } = await setUp(() => ok(invitation()));
    const result = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    expect(result.structuredContent).toEqual(invitation());
    expect(JSON.parse(text(result))).toEqual(invitation());
    expect(JSON.stringify(result)).not.toContain(SESSION_JWT);
    expect(JSON.stringify(result)).not.toContain('"client"');
  });

  it.each([
    ['a bare array', [invitation()], 1],
    ['{ data, total_count }', { data: [invitation()], total_count: 37 }, 37],
    ['{ data } without a count', { data: [invitation()] }, 1],
  ])('normalises a list answered as %s to { data, total_count }', async (_shape, response, total) => {
    const { mcp } = await setUp(() => ok(response));
    for (const tool of ['getOrganizationInvitations', 'getAllPendingOrganizationInvitations']) {
      const result = await mcp.call(tool, { organization_id: 'org_1' });
      expect(result.structuredContent).toEqual({ data: [invitation()], total_count: total });
    }
    const bulk = await mcp.call('bulkCreateOrganizationInvitations', { organization_id: 'org_1', email_address: ['a@example.com'], role: 'org:admin' });
    expect(bulk.structuredContent).toEqual({ data: [invitation()], total_count: total });
  });

  it('reports a list answer of an unexpected shape as a tool error', async () => {
    const { mcp } = await setUp(() => ok({ items: [] }));
    const result = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('unexpected shape');
  });
});

describe('errors', () => {
  it('reports status, every Clerk code with its long message, the trace id and a hint for 401', async () => {
    const { mcp } = await setUp(() => ({ status: 401, json: clerkErrors({ code: 'authentication_invalid', long_message: 'Invalid authentication' }, { code: 'signed_out', long_message: 'You are signed out' }) }));
    const result = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    const message = text(result);
    expect(result.isError).toBe(true);
    expect(message).toContain('getOrganizationInvitations failed: Clerk answered 401 Unauthorized to GET /v1/organizations/org_1/invitations');
    expect(message).toContain('authentication_invalid: Invalid authentication');
    expect(message).toContain('signed_out: You are signed out');
    expect(message).toContain('trace_0123456789abcdef');
    expect(message).toMatch(/Hint: .*client token.*CLERK_CLIENT_TOKEN/);
  });

  it.each([
    [403, { code: 'missing_organization_permission', meta: { permissions: ['org:sys_memberships:manage'] } }, /lacks permission org:sys_memberships:manage/],
    [404, { code: 'organization_not_found_or_unauthorized' }, /Check organization_id/],
    [422, { code: 'form_param_format_invalid', meta: { param_name: 'email_address' } }, /Check the argument "email_address"/],
    [400, { code: 'duplicate_record', meta: { email_addresses: ['a@example.com'] } }, /already pending/],
    [402, { code: 'insufficient_seats' }, /no free seats/],
  ])('gives a %i a hint the agent can act on', async (status, error, hint) => {
    const { mcp } = await setUp(() => ({ status, json: clerkErrors(error) }));
    const result = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(error.code);
    expect(text(result)).toMatch(hint);
  });

  it('reports an HTML gateway page as a non-JSON answer', async () => {
    const { mcp } = await setUp(() => ({ status: 500, text: '<html><body>Bad gateway</body></html>' }));
    const result = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('500');
    expect(text(result)).toContain('no Clerk error body');
  });

  it('reports a 200 that is not JSON, and a 200 without a response field', async () => {
    const { mcp } = await setUp((_req, hit) => (hit === 1 ? { text: '<html>login</html>' } : { json: { data: [] } }));
    const notJson = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    expect(notJson.isError).toBe(true);
    expect(text(notJson)).toMatch(/text\/html, not JSON/);
    const noPayload = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    expect(noPayload.isError).toBe(true);
    expect(text(noPayload)).toContain('without a "response" field');
  });

  it('reports a refused connection naming the host', async () => {
    const closed = await startFakeClerk(() => ok([]));
    await closed.close(); // the port is free again: connections to it are refused
    mcp = await connect({ baseUrl: closed.url });
    const result = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/could not reach Clerk at 127\.0\.0\.1:\d+ .*\(ECONNREFUSED\)/);
  });

  it('says the answer was malformed, not that Clerk could not be reached, when it is not HTTP', async () => {
    const garbage = createNetServer((socket) => socket.end('hello, this is not HTTP\r\n\r\n'));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const { port } = garbage.address() as AddressInfo;
    mcp = await connect({ baseUrl: `http://127.0.0.1:${port}` });
    const result = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' });
    garbage.close();
    expect(text(result)).toMatch(new RegExp(`the answer from 127\\.0\\.0\\.1:${port} to GET /v1/organizations/org_1/invitations was malformed \\(HPE_[A-Z_]+\\): something other than Clerk's Frontend API may be answering there; check CLERK_FRONTEND_API_URL`));
    expect(text(result)).not.toContain('could not reach');
  });

  it('reports an answer with a status outside HTTP\'s range as a failure, and keeps serving', async () => {
    const odd = createNetServer((socket) => socket.end('HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\n{}'));
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const { port } = odd.address() as AddressInfo;
    mcp = await connect({ baseUrl: `http://127.0.0.1:${port}` });
    const result = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    odd.close();
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/the answer from 127\.0\.0\.1:\d+ to POST \/v1\/organizations\/org_1\/invitations was malformed \(a status outside 200–599\)/);
    expect(text(result)).not.toContain('could not reach');
    expect(text(result)).toContain('may have reached Clerk');
  });

  // The test's own time limit is what fails if the configured timeout is not the one applied.
  it('times out after CLERK_TIMEOUT_MS and says so', { timeout: 4_000 }, async () => {
    const { fake, mcp } = await setUp(() => ({ hang: true }), { timeoutMs: 200 });
    const result = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('no answer from Clerk within 200 ms (CLERK_TIMEOUT_MS)');
    expect(text(result)).toContain('may have reached Clerk');
    expect(fake.requests).toHaveLength(1);
  });

  // With a 60 s request timeout, only the cancellation can close the connection within the test's time limit.
  it('aborts the HTTP call when the MCP request is cancelled', { timeout: 4_000 }, async () => {
    const { fake, mcp } = await setUp(() => ({ hang: true }), { timeoutMs: 60_000 });
    const controller = new AbortController();
    const call = mcp.call('getOrganizationInvitations', { organization_id: 'org_1' }, { signal: controller.signal });
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    await expect(call).rejects.toThrow();
    await fake.requests[0]?.aborted; // resolves only if the server saw the connection go
  });
});

describe('retries', () => {
  const list = { organization_id: 'org_1' };
  const create = { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' };

  it.each([429, 502, 503, 504])('retries a GET after %i', async (status) => {
    const { fake, mcp } = await setUp((_r, hit) => (hit === 1 ? { status, json: clerkErrors({ code: 'x' }), headers: { 'retry-after': '0' } } : ok([])));
    const result = await mcp.call('getAllPendingOrganizationInvitations', list);
    expect(result.isError).toBeFalsy();
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a GET after a dropped connection', async () => {
    const { fake, mcp } = await setUp((_r, hit) => (hit === 1 ? { destroy: true } : ok([])));
    expect((await mcp.call('getAllPendingOrganizationInvitations', list)).isError).toBeFalsy();
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up on a GET after two retries', async () => {
    const { fake, mcp } = await setUp(() => ({ status: 503, json: clerkErrors({ code: 'service_unavailable' }), headers: { 'retry-after': '0' } }));
    const result = await mcp.call('getAllPendingOrganizationInvitations', list);
    expect(result.isError).toBe(true);
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a GET after 500 or 4xx', async () => {
    const { fake, mcp } = await setUp((_r, hit) => (hit === 1 ? { status: 500, json: clerkErrors({ code: 'internal' }) } : { status: 404, json: clerkErrors({ code: 'organization_not_found_or_unauthorized' }) }));
    await mcp.call('getAllPendingOrganizationInvitations', list);
    await mcp.call('getAllPendingOrganizationInvitations', list);
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a GET after 429, honouring Retry-After', async () => {
    const { fake, mcp } = await setUp((_r, hit) => (hit === 1 ? { status: 429, json: clerkErrors({ code: 'too_many_requests' }), headers: { 'retry-after': '1' } } : ok([])));
    const started = Date.now();
    expect((await mcp.call('getAllPendingOrganizationInvitations', list)).isError).toBeFalsy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests).toHaveLength(2);
  });

  it('caps the wait a Retry-After imposes', async () => {
    const { fake, mcp } = await setUp((_r, hit) => (hit === 1 ? { status: 429, json: clerkErrors({ code: 'too_many_requests' }), headers: { 'retry-after': '3600' } } : ok([])), { maxRetryAfterMs: 50 });
    expect((await mcp.call('getAllPendingOrganizationInvitations', list)).isError).toBeFalsy();
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a POST after 429, where Clerk did nothing', async () => {
    const { fake, mcp } = await setUp((_r, hit) => (hit === 1 ? { status: 429, json: clerkErrors({ code: 'too_many_requests' }), headers: { 'retry-after': '0' } } : ok(invitation())));
    expect((await mcp.call('createOrganizationInvitations', create)).isError).toBeFalsy();
    expect(fake.requests).toHaveLength(2);
  });

  it('stops retrying a POST after two 429s, saying so', async () => {
    const { fake, mcp } = await setUp(() => ({ status: 429, json: clerkErrors({ code: 'too_many_requests' }), headers: { 'retry-after': '0' } }));
    const result = await mcp.call('createOrganizationInvitations', create);
    expect(fake.requests).toHaveLength(3);
    expect(text(result)).toContain('retried 2 times');
  });

  it.each([
    ['a 503', { status: 503, json: clerkErrors({ code: 'service_unavailable' }), headers: { 'retry-after': '0' } }],
    ['a 502', { status: 502, text: '<html>Bad gateway</html>' }],
    ['a dropped connection', { destroy: true }],
  ])('never sends a POST again after %s, and says it may have taken effect', async (_what, reply) => {
    const { fake, mcp } = await setUp(() => reply);
    for (const [tool, args] of [
      ['createOrganizationInvitations', create],
      ['bulkCreateOrganizationInvitations', { ...create, email_address: ['a@example.com'] }],
      ['revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_1' }],
    ] as const) {
      const before = fake.requests.length;
      const result = await mcp.call(tool, args);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/may (have reached Clerk and taken|still have taken) effect/);
      expect(fake.requests.length - before).toBe(1);
    }
  });
});

describe('secrets', () => {
  it('never passes a client token or session JWT into tool output, even when Clerk echoes them', async () => {
    const { mcp } = await setUp((req, hit) => {
      const echoed = String(req.headers.authorization).replace('Bearer ', '');
      if (hit === 1) return { json: envelope(invitation()), headers: { authorization: 'rotated_secret_token' } };
      return { status: 401, json: clerkErrors({ code: 'authentication_invalid', long_message: `Token ${echoed}, ${CLIENT_TOKEN} and session ${SESSION_JWT} are invalid` }) };
    });
    const outputs = [
      await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' }),
      await mcp.call('getOrganizationInvitations', { organization_id: 'org_1' }),
    ].map((r) => JSON.stringify(r));
    for (const output of outputs) {
      expect(output).not.toContain(CLIENT_TOKEN);
      expect(output).not.toContain('rotated_secret_token');
      expect(output).not.toContain(SESSION_JWT);
    }
    expect(outputs[1]).toContain('[redacted]');
  });
});
