import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';
import { callTool, startRawServer, type RawServer } from './helpers/raw-server.js';

// The built bin spoken to in raw JSON-RPC lines, in front of a loopback fake Clerk.
let fake: FakeClerk | undefined;
let server: RawServer | undefined;
afterEach(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  fake = server = undefined;
});

async function start(): Promise<{ s: RawServer; fake: FakeClerk }> {
  fake = await startFakeClerk(() => ({ json: envelope(invitation({ status: 'revoked' })) }));
  server = startRawServer({ CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN });
  return { s: server, fake };
}

const initialize = (id: string, capabilities: unknown): object => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'raw', version: '1' } },
});
const revoke = (id: string): object => callTool(id, 'revokePendingOrganizationInvitation', { organization_id: 'org_1', invitation_id: 'orginv_1' });

describe('an initialize the server refuses', () => {
  it('is answered with a JSON-RPC error, and a destructive tool then runs nothing: the client could not be asked', async () => {
    const { s, fake } = await start();
    s.send(initialize('init', { sampling: null, elicitation: {} }));
    const refused = await s.answer('init');
    expect(refused.result).toBeUndefined();
    expect(refused.error?.message).toContain('sampling');
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    s.send(revoke('revoke'));
    const answer = await s.answer('revoke');
    expect(answer.result?.isError).toBe(true);
    const text = answer.result?.content?.[0]?.text ?? '';
    expect(text).toContain('revokePendingOrganizationInvitation was not run');
    expect(text).toContain("the client's capabilities are unknown (no successful initialize)");
    expect(text).toContain('Nothing was sent to Clerk');
    // The server is still up, and Clerk never heard of the call.
    s.send({ jsonrpc: '2.0', id: 'ping', method: 'ping' });
    expect((await s.answer('ping')).result).toEqual({});
    expect(fake.requests).toEqual([]);
  });

  it('is not held against a later initialize: a client without elicitation is then not asked, as before', async () => {
    const { s, fake } = await start();
    s.send(initialize('bad', { sampling: null }));
    expect((await s.answer('bad')).error).toBeDefined();
    s.send(initialize('good', {}));
    expect((await s.answer('good')).result).toMatchObject({ protocolVersion: '2025-06-18' });
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    s.send(revoke('revoke'));
    expect((await s.answer('revoke')).result?.isError).toBeFalsy();
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/organizations/org_1/invitations/orginv_1/revoke']);
  });
});
