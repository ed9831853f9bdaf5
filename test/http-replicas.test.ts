import { Client, StreamableHTTPClientTransport, type AuthInfo, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ClerkClient } from '../src/clerk/client.js';
import { settingsFromEnv } from '../src/clerk/settings.js';
import { createClerkServer } from '../src/cli/serve.js';
import { loadCapability } from '../src/engine/load.js';
import { ConfirmationStates } from '../src/mcp/confirm-step.js';
import { bearerSecret } from '../src/mcp/http/bearer-secret.js';
import { startHttpServer, type HttpServer } from '../src/mcp/http/server.js';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';

// Two HTTP servers in this process, as two replicas behind a balancer, against one sandbox. A
// confirmation is asked by one and answered to the other: it verifies only when both sign with
// the same key (ConfirmationStates' injected key, as hosted replicas derive it from a shared secret).
const SECRET = 'replicas-secret-0123456789-abcdefghijklmn';
const ORG = 'org_sandbox';
const ALICE = 'orginv_sandboxalice000000000000000';
const YES: ElicitResult = { action: 'accept', content: { confirm: true } };

let sandbox: Sandbox | undefined;
const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop(0)));
  await sandbox?.close();
});

async function replicas(keys: [string, string]): Promise<{ client: Client; served: string[] }> {
  sandbox = await startSandbox();
  const clerk = new ClerkClient(settingsFromEnv({ CLERK_FRONTEND_API_URL: sandbox.url, CLERK_CLIENT_TOKEN: sandbox.clientToken, CLERK_SESSION_ID: sandbox.sessionId }));
  const capability = loadCapability();
  for (const key of keys) {
    const states = new ConfirmationStates(60_000, { key });
    servers.push(await startHttpServer({ factory: () => createClerkServer({ capability, clerk, states }), authenticate: bearerSecret(SECRET) }));
  }
  const [first, second] = servers as [HttpServer, HttpServer];
  // The "balancer": a call carrying the answer to a question goes to the replica that did not ask it.
  const served: string[] = [];
  const balance = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const answering = typeof init?.body === 'string' && init.body.includes('"requestState"');
    const replica = answering ? second : first;
    served.push(answering ? 'second' : 'first');
    return fetch(new URL(new URL(url).pathname, replica.origin), init);
  };
  const client = new Client({ name: 'replicas', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  client.setRequestHandler('elicitation/create', () => YES);
  await client.connect(new StreamableHTTPClientTransport(new URL(first.url), { fetch: balance, requestInit: { headers: { authorization: `Bearer ${SECRET}` } } }));
  return { client, served };
}

const pending = async (client: Client): Promise<string[]> =>
  ((await client.callTool({ name: 'getAllPendingOrganizationInvitations', arguments: { organization_id: ORG } })).structuredContent as { data: { id: string }[] }).data.map((i) => i.id);

describe('confirmations across HTTP replicas', () => {
  it('a yes answered to another replica that signs with the same key goes through', async () => {
    const { client, served } = await replicas(['k'.repeat(32), 'k'.repeat(32)]);
    const result = (await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: ORG, invitation_id: ALICE } })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ id: ALICE, status: 'revoked' });
    expect(served).toContain('second');
    expect(await pending(client)).not.toContain(ALICE);
  });

  it('a yes answered to a replica with another key is refused, and nothing is revoked', async () => {
    const { client, served } = await replicas(['k'.repeat(32), 'x'.repeat(32)]);
    const outcome = await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: ORG, invitation_id: ALICE } }).then(
      (result) => JSON.stringify(result),
      (error: unknown) => String(error),
    );
    expect(served).toContain('second');
    expect(outcome).not.toContain('"status":"revoked"');
    expect(outcome).toBe('ProtocolError: Invalid or expired requestState');
    expect(await pending(client)).toContain(ALICE);
  });

  it('a yes sent back by another caller is refused: a question is bound to the caller it was asked of', async () => {
    sandbox = await startSandbox();
    const clerk = new ClerkClient(settingsFromEnv({ CLERK_FRONTEND_API_URL: sandbox.url, CLERK_CLIENT_TOKEN: sandbox.clientToken, CLERK_SESSION_ID: sandbox.sessionId }));
    const capability = loadCapability();
    const states = new ConfirmationStates(60_000);
    // Two callers told apart by their bearer token, as a hosted server tells its users apart.
    const authenticate = async (request: Request): Promise<AuthInfo> => ({ token: 'token', clientId: request.headers.get('authorization') === 'Bearer ann' ? 'ann' : 'bob', scopes: [], expiresAt: 8_640_000_000_000 });
    const server = await startHttpServer({ factory: () => createClerkServer({ capability, clerk, states }), authenticate });
    servers.push(server);
    // Ann's client, whose answer to the question is sent with Bob's token.
    const swap = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const answering = typeof init?.body === 'string' && init.body.includes('"requestState"');
      if (!answering) return fetch(url, init);
      const headers = new Headers(init?.headers);
      headers.set('authorization', 'Bearer bob');
      return fetch(url, { ...init, headers });
    };
    const client = new Client({ name: 'callers', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    client.setRequestHandler('elicitation/create', () => YES);
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { fetch: swap, requestInit: { headers: { authorization: 'Bearer ann' } } }));
    const outcome = await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: ORG, invitation_id: ALICE } }).then(
      (result) => JSON.stringify(result),
      (error: unknown) => String(error),
    );
    expect(outcome).toBe('ProtocolError: Invalid or expired requestState');
    expect(await pending(client)).toContain(ALICE);
  });
});
