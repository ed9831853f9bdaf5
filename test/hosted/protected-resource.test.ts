import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendClient } from '../../src/clerk/backend/client.js';
import { ClerkTokenVerifier } from '../../src/clerk/backend/token-verifier.js';
import type { ToolExecutor } from '../../src/engine/executor.js';
import { loadCapability } from '../../src/engine/load.js';
import { protectedResource, type ProtectedResource } from '../../src/mcp/http/protected-resource.js';
import { startHttpServer, type HttpServer } from '../../src/mcp/http/server.js';
import { createServer } from '../../src/mcp/server.js';
import { ADMIN, backendSettings } from '../helpers/fake-backend.js';
import { clerkErrors, startFakeClerk, type Reply } from '../helpers/fake-clerk.js';

const ISSUER = 'https://clerk.example.com';
const listOnly: ToolExecutor = {
  execute: () => Promise.reject(new Error('not in this test')),
  questionContext: () => Promise.resolve({}),
  organizations: () => Promise.reject(new Error('not in this test')),
  explain: (what) => ({ text: `${what} failed`, expected: true }),
  unusableAnswer: () => 'unusable',
  redact: (text) => text,
};

/** A token of the shape Clerk issues, `oat_` then `name` padded; the fake reads `name` back. */
const tokenOf = (name: string): string => `oat_${name.padEnd(32, '0')}`;
const nameOf = (token: string): string => token.slice(4).replace(/0+$/, '');

/** Clerk's verify answer for each token a test uses, by name. */
const ANSWERS: Record<string, Reply> = {
  good: { json: { object: 'clerk_idp_oauth_access_token', id: 'oat_1', client_id: 'client_mcp', subject: ADMIN, scopes: ['profile', 'email'], revoked: false, revocation_reason: null, expired: false, expiration: Date.now() / 1000 + 3600, created_at: 1, updated_at: 1 } },
  revoked: { json: { object: 'clerk_idp_oauth_access_token', id: 'oat_2', client_id: 'client_mcp', subject: ADMIN, scopes: [], revoked: true, revocation_reason: 'Revoked by user', expired: false, expiration: Date.now() / 1000 + 3600, created_at: 1, updated_at: 1 } },
  expired: { json: { active: false } },
  busy: { status: 429, headers: { 'retry-after': '0' }, json: clerkErrors({ code: 'too_many_requests' }) },
};

let server: HttpServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await server?.stop(0);
  server = client = undefined;
});

async function start(): Promise<{ server: HttpServer; resource: string }> {
  const fake = await startFakeClerk((request) => ANSWERS[nameOf((JSON.parse(request.body) as { access_token: string }).access_token)] ?? { status: 404, json: clerkErrors({ code: 'resource_not_found' }) });
  const verifier = new ClerkTokenVerifier(new BackendClient(backendSettings(fake.url)));
  const capability = loadCapability();
  // The resource's URL needs the port, known once listening; no request comes before it is set.
  const gate: { current?: ProtectedResource } = {};
  server = await startHttpServer({
    factory: () => createServer({ capability, executor: listOnly, instructions: '' }),
    authenticate: (request) => gate.current!.authenticate(request),
    routes: (request) => gate.current!.routes(request),
  });
  const resource = `${server.origin}/mcp`;
  gate.current = protectedResource({ resource: new URL(resource), authorizationServer: ISSUER, scopesSupported: ['profile', 'email'], verifier, resourceName: 'Clerk invitations' });
  return { server, resource };
}

const post = (url: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });

describe('the protected resource (RFC 9728) in front of /mcp', () => {
  it('publishes its metadata at the path-aware location and at the root', async () => {
    const { server, resource } = await start();
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${server.origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual({ resource, authorization_servers: [ISSUER], scopes_supported: ['profile', 'email'], bearer_methods_supported: ['header'], resource_name: 'Clerk invitations' });
    }
    expect((await fetch(`${server.origin}/.well-known/oauth-protected-resource`, { method: 'POST' })).status).toBe(405);
  });

  it('answers a request without a token 401 with the metadata URL and no error code (RFC 6750 §3.1)', async () => {
    const { server } = await start();
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const res = await post(server.url, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${server.origin}/.well-known/oauth-protected-resource/mcp"`);
    }
  });

  it.each([
    ['forged', tokenOf('forged')],
    ['revoked', tokenOf('revoked')],
    ['expired', tokenOf('expired')],
    ['malformed (never sent to Clerk)', 'not-a-clerk-token'],
  ])('answers a %s token 401 invalid_token with the metadata URL', async (_what, token) => {
    const { server } = await start();
    const res = await post(server.url, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"/);
    expect(challenge).toContain(`resource_metadata="${server.origin}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('answers 503 with Retry-After when Clerk cannot verify the token right now', async () => {
    const { server } = await start();
    const res = await post(server.url, { authorization: `Bearer ${tokenOf('busy')}` });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('serves a valid token\'s caller', async () => {
    const { server } = await start();
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${tokenOf('good')}` } } }));
    expect((await client.listTools()).tools).toHaveLength(5);
  });
});
