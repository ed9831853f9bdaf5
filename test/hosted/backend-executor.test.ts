import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendClient } from '../../src/clerk/backend/client.js';
import { backendExecutor } from '../../src/clerk/backend/executor.js';
import { BACKEND_API_CAPABILITY, loadCapability } from '../../src/engine/load.js';
import { createServer } from '../../src/mcp/server.js';
import { ADMIN, backendInvitation, backendSettings, MEMBER, membership, memberships, SECRET_KEY } from '../helpers/fake-backend.js';
import { clerkErrors, startFakeClerk, type FakeClerk, type Handler, type Received } from '../helpers/fake-clerk.js';

const capability = loadCapability(BACKEND_API_CAPABILITY);
const ACME = { id: 'org_1', name: 'Acme' };
const OTHER = { id: 'org_2', name: 'Other Co' };

let closeClient: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeClient?.();
  closeClient = undefined;
});

/** The user's memberships, then `action` for anything else. */
const asUser = (userMemberships: unknown, action: Handler): Handler => (request, hit) =>
  request.path.endsWith('/organization_memberships') ? { json: userMemberships } : action(request, hit);

/** An SDK client in memory, talking to the real server factory whose executor acts as `userId` against `fake`. */
async function connectAs(fake: FakeClerk, userId: string): Promise<{ call: (name: string, args: Record<string, unknown>) => Promise<CallToolResult>; client: Client }> {
  const server = createServer({ capability, executor: backendExecutor(new BackendClient(backendSettings(fake.url)), userId), instructions: '' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  await client.listTools();
  closeClient = async () => {
    await client.close();
    await server.close();
  };
  return { client, call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult };
}

const text = (result: CallToolResult): string => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const actions = (fake: FakeClerk): Received[] => fake.requests.filter((r) => !r.path.endsWith('/organization_memberships'));

describe('the Backend API executor, acting as one user', () => {
  it('checks the membership first, then creates with a JSON body, the secret key and the API version, as the inviter', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ json: backendInvitation() })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member', notify: false });

    expect(result.isError).toBeFalsy();
    const [check, create] = fake.requests;
    expect([check?.method, check?.path, check?.query.get('limit'), check?.query.get('offset')]).toEqual(['GET', `/v1/users/${ADMIN}/organization_memberships`, '500', '0']);
    expect([create?.method, create?.path]).toEqual(['POST', '/v1/organizations/org_1/invitations']);
    expect(JSON.parse(create!.body)).toEqual({ email_address: 'a@example.com', role: 'org:member', notify: false, inviter_user_id: ADMIN });
    for (const request of fake.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
      expect(request.headers['clerk-api-version']).toBe('2026-05-12');
      expect(request.query.has('_is_native')).toBe(false);
    }
    expect(create?.headers['content-type']).toMatch(/^application\/json/);
    expect(result.structuredContent).toMatchObject({ id: 'orginv_1', inviter_id: ADMIN, email_address: 'a@example.com' });
  });

  it('never shows private_metadata, which the Frontend API hides from users', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ json: { data: [backendInvitation(), backendInvitation({ id: 'orginv_2' })], total_count: 2 } })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('getOrganizationInvitations', { organization_id: 'org_1', status: 'pending', limit: 20 });

    expect(result.isError).toBeFalsy();
    expect(text(result)).not.toContain('private_metadata');
    expect(text(result)).not.toContain('not for the agent');
    expect(result.structuredContent).toMatchObject({ total_count: 2, data: [{ id: 'orginv_1' }, { id: 'orginv_2' }] });
    const [list] = actions(fake);
    expect([list?.method, list?.path, list?.query.get('status'), list?.query.get('limit'), list?.body]).toEqual(['GET', '/v1/organizations/org_1/invitations', 'pending', '20', '']);
  });

  it('sends a bulk create as the JSON array of one invitation per address, each with the inviter', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ json: [backendInvitation(), backendInvitation({ id: 'orginv_2', email_address: 'b@example.com' })] })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('bulkCreateOrganizationInvitations', { organization_id: 'org_1', email_address: ['a@example.com', 'b@example.com'], role: 'org:admin' });

    expect(result.isError).toBeFalsy();
    const [bulk] = actions(fake);
    expect(bulk?.path).toBe('/v1/organizations/org_1/invitations/bulk');
    expect(JSON.parse(bulk!.body)).toEqual([
      { email_address: 'a@example.com', role: 'org:admin', inviter_user_id: ADMIN },
      { email_address: 'b@example.com', role: 'org:admin', inviter_user_id: ADMIN },
    ]);
    expect(result.structuredContent).toMatchObject({ total_count: 2 });
  });

  it('revokes as the requesting user', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ json: backendInvitation({ status: 'revoked' }) })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_1' });

    expect(result.isError).toBeFalsy();
    const [revoke] = actions(fake);
    expect([revoke?.method, revoke?.path]).toEqual(['POST', '/v1/organizations/org_1/invitations/orginv_1/revoke']);
    expect(JSON.parse(revoke!.body)).toEqual({ requesting_user_id: ADMIN });
  });

  it('refuses a member without the permission as the Frontend API would (403 missing_organization_permission), sending nothing', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:member')), () => ({ json: backendInvitation() })));
    const { call } = await connectAs(fake, MEMBER);
    for (const [name, args] of [
      ['createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' }],
      ['getOrganizationInvitations', { organization_id: 'org_1' }],
      ['revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_1' }],
    ] as const) {
      const result = await call(name, args);
      expect(result.isError, name).toBe(true);
      expect(text(result)).toContain(`${name} was refused, and nothing was sent to Clerk: the user (${MEMBER}) may not manage the invitations of organization org_1`);
      expect(text(result)).toContain('- missing_organization_permission: The user lacks the permission org:sys_memberships:manage in Acme (their role: org:member).');
      expect(text(result)).toContain('Hint: The signed-in user lacks permission org:sys_memberships:manage in this organization (role org:admin has it)');
    }
    expect(actions(fake)).toEqual([]);
  });

  it('refuses a non-member as the Frontend API would (404 organization_not_found_or_unauthorized), sending nothing', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(OTHER, 'org:admin')), () => ({ json: backendInvitation() })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' });

    expect(result.isError).toBe(true);
    expect(text(result)).toContain('- organization_not_found_or_unauthorized:');
    expect(text(result)).toContain('Hint: Check organization_id (org_…)');
    expect(actions(fake)).toEqual([]);
  });

  it('takes no inviter_user_id from the caller: the argument is refused and nothing is sent', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ json: backendInvitation() })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member', inviter_user_id: 'user_someone_else' });

    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/inviter_user_id/);
    expect(fake.requests).toEqual([]);
  });

  it('lists only the organizations the user can manage as the resource', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin'), membership(OTHER, 'org:member')), () => ({ status: 500 })));
    const { client } = await connectAs(fake, ADMIN);
    const read = await client.readResource({ uri: 'clerk://organizations' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as unknown;

    expect(body).toEqual({ organizations: [{ id: 'org_1', name: 'Acme', slug: 'acme', role: 'org:admin' }], note: expect.stringContaining('1 organization(s)') as unknown });
  });
});

describe('the Backend API client: retries and secrets', () => {
  it('never re-sends a create that failed without a clear answer (500), and says it may have been applied', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ status: 500, json: clerkErrors({ code: 'internal_clerk_error' }) })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' });

    expect(result.isError).toBe(true);
    expect(actions(fake)).toHaveLength(1);
    expect(text(result)).toContain('the request may still have taken effect, so it was not sent again');
  });

  it('sends a create again only after a 429, waiting for Retry-After', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), (_request, hit) =>
      hit === 2 ? { status: 429, headers: { 'retry-after': '1' }, json: clerkErrors({ code: 'too_many_requests' }) } : { json: backendInvitation() }));
    const { call } = await connectAs(fake, ADMIN);
    const started = Date.now();
    const result = await call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' });

    expect(result.isError).toBeFalsy();
    expect(actions(fake)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a read after a 503', async () => {
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), (_request, hit) => (hit === 2 ? { status: 503, headers: { 'retry-after': '0' }, json: {} } : { json: [] })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('getAllPendingOrganizationInvitations', { organization_id: 'org_1' });

    expect(result.isError).toBeFalsy();
    expect(actions(fake)).toHaveLength(2);
  });

  it('keeps the secret key out of results and errors, even when Clerk echoes it', async () => {
    const echo = { code: 'form_param_value_invalid', long_message: `bad request made with ${SECRET_KEY}`, meta: { param_name: 'role', echoed: SECRET_KEY } };
    const fake = await startFakeClerk(asUser(memberships(membership(ACME, 'org:admin')), () => ({ status: 422, headers: { 'x-echo': SECRET_KEY }, json: { ...clerkErrors(echo) as object, clerk_trace_id: `trace ${SECRET_KEY}` } })));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' });

    expect(result.isError).toBe(true);
    expect(text(result)).toContain('form_param_value_invalid: bad request made with [redacted]');
    expect(JSON.stringify(result)).not.toContain(SECRET_KEY);
  });

  it('says a refused secret key is the server\'s configuration, not the user\'s', async () => {
    const fake = await startFakeClerk(() => ({ status: 401, json: clerkErrors({ code: 'authentication_invalid' }) }));
    const { call } = await connectAs(fake, ADMIN);
    const result = await call('getOrganizationInvitations', { organization_id: 'org_1' });

    expect(result.isError).toBe(true);
    expect(text(result)).toContain("Hint: Clerk refused the server's secret key (CLERK_SECRET_KEY is wrong");
    expect(text(result)).not.toContain('login');
  });
});
