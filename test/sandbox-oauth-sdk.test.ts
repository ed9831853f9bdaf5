import { afterEach, describe, expect, it } from 'vitest';
import { discoverAuthorizationServerMetadata, exchangeAuthorization, refreshAuthorization, registerClient, startAuthorization } from '@modelcontextprotocol/client';
import { SANDBOX_USERS, startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { backend } from './helpers/sandbox-oauth.js';

const started: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

const REDIRECT = 'http://127.0.0.1:9/oauth/callback';
const RESOURCE = 'http://127.0.0.1:8080/mcp';

// The MCP SDK's own OAuth client functions against the sandbox: what its client does in a real
// hosted sign-in, minus the browser (login_hint stands in for the user at the sign-in page).
describe('the sandbox\'s OAuth server with the MCP SDK\'s OAuth client', () => {
  it('discovers, registers, authorizes with PKCE, exchanges and refreshes, for a member', async () => {
    const sandbox = await startSandbox();
    started.push(sandbox);
    const metadata = await discoverAuthorizationServerMetadata(sandbox.url);
    if (metadata === undefined) throw new Error('no authorization server metadata discovered');
    expect(metadata.issuer).toBe(sandbox.url);
    const clientInformation = await registerClient(sandbox.url, {
      metadata,
      clientMetadata: { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], client_name: 'sdk test' },
    });
    expect(clientInformation.client_secret).toBeUndefined();
    const { authorizationUrl, codeVerifier } = await startAuthorization(sandbox.url, { metadata, clientInformation, redirectUrl: REDIRECT, scope: 'profile email', resource: new URL(RESOURCE) });
    authorizationUrl.searchParams.set('login_hint', 'member@sandbox.test');
    const answer = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const callback = new URL(answer.headers.get('location') ?? '');
    const tokens = await exchangeAuthorization(sandbox.url, {
      metadata, clientInformation, authorizationCode: callback.searchParams.get('code') ?? '', codeVerifier, redirectUri: REDIRECT, resource: new URL(RESOURCE),
    });
    expect(tokens.token_type).toBe('Bearer');
    const verified = await backend(sandbox, 'POST', '/oauth_applications/access_tokens/verify', { access_token: tokens.access_token });
    expect(verified.json).toMatchObject({ subject: SANDBOX_USERS.member.id, client_id: clientInformation.client_id, revoked: false, expired: false });
    const refreshed = await refreshAuthorization(sandbox.url, { metadata, clientInformation, refreshToken: tokens.refresh_token ?? '', resource: new URL(RESOURCE) });
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    await expect(refreshAuthorization(sandbox.url, { metadata, clientInformation, refreshToken: tokens.refresh_token ?? '' })).rejects.toThrow();
  });
});
