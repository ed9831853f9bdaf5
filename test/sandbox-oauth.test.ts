import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_USERS, startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/simulator.js';
import { authorize, backend, codeFor, pkce, postForm, REDIRECT_URI, registerPublicClient, signInWithOAuth } from './helpers/sandbox-oauth.js';

const started: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox(options);
  started.push(sandbox);
  return sandbox;
}

const verify = (sandbox: Sandbox, token: string) => backend(sandbox, 'POST', '/oauth_applications/access_tokens/verify', { access_token: token });

describe('the sandbox\'s OAuth authorization server metadata', () => {
  it('publishes RFC 8414 metadata with the sandbox as issuer, PKCE S256 only and dynamic registration', async () => {
    const sandbox = await start();
    const res = await fetch(`${sandbox.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: sandbox.url,
      authorization_endpoint: `${sandbox.url}/oauth/authorize`,
      token_endpoint: `${sandbox.url}/oauth/token`,
      revocation_endpoint: `${sandbox.url}/oauth/token/revoke`,
      registration_endpoint: `${sandbox.url}/oauth/register`,
      jwks_uri: `${sandbox.url}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata['token_endpoint_auth_methods_supported']).toContain('none');
    expect(metadata['scopes_supported']).toEqual(expect.arrayContaining(['email', 'profile', 'openid', 'offline_access', 'user:org:read']));
    // Every field Clerk's spec requires, and none it does not list.
    const required = ['issuer', 'authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'jwks_uri', 'response_types_supported', 'grant_types_supported', 'token_endpoint_auth_methods_supported', 'scopes_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported', 'claims_supported', 'code_challenge_methods_supported'];
    const listed = [...required, 'registration_endpoint', 'service_documentation', 'ui_locales_supported', 'op_tos_uri', 'client_id_metadata_document_supported'];
    for (const field of required) expect(metadata).toHaveProperty(field);
    for (const field of Object.keys(metadata)) expect(listed).toContain(field);
  });

  it('publishes the OpenID configuration with the fields Clerk\'s spec requires', async () => {
    const sandbox = await start();
    const configuration = (await (await fetch(`${sandbox.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const required = ['issuer', 'authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'userinfo_endpoint', 'jwks_uri', 'scopes_supported', 'response_types_supported', 'response_modes_supported', 'grant_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported', 'token_endpoint_auth_methods_supported', 'claims_supported', 'code_challenge_methods_supported', 'backchannel_logout_supported', 'frontchannel_logout_supported'];
    for (const field of required) expect(configuration).toHaveProperty(field);
    expect(configuration['issuer']).toBe(sandbox.url);
  });
});

describe('the sandbox\'s dynamic client registration (RFC 7591)', () => {
  it('registers a public client: client_id and no secret, the metadata echoed', async () => {
    const sandbox = await start();
    const client = await registerPublicClient(sandbox.url, { scope: 'profile email' });
    expect(client).toMatchObject({
      client_name: 'test client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'profile email',
      token_endpoint_auth_method: 'none',
      client_secret_expires_at: 0,
    });
    expect(client.client_id).toMatch(/^client_\w+$/);
    expect(client).not.toHaveProperty('client_secret');
    expect(typeof client['client_id_issued_at']).toBe('number');
  });

  it('gives a confidential client a secret, and refuses bad redirect URIs and metadata with RFC 7591 errors', async () => {
    const sandbox = await start();
    const register = async (body: unknown) => {
      const res = await fetch(`${sandbox.url}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const confidential = await register({ redirect_uris: ['https://app.example.com/cb'] });
    expect(confidential.status).toBe(201);
    expect(confidential.json).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', client_secret: expect.any(String) });
    for (const redirect_uris of [[], ['not a uri'], ['http://evil.example.com/cb'], ['https://app.example.com/cb#fragment'], ['javascript:alert(1)']]) {
      const refused = await register({ redirect_uris, token_endpoint_auth_method: 'none' });
      expect(refused.status, JSON.stringify(redirect_uris)).toBe(400);
      expect(refused.json['error']).toBe('invalid_redirect_uri');
    }
    const badMethod = await register({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'private_key_jwt' });
    expect(badMethod).toMatchObject({ status: 400, json: { error: 'invalid_client_metadata' } });
    const badScope = await register({ redirect_uris: [REDIRECT_URI], scope: 'admin' });
    expect(badScope).toMatchObject({ status: 400, json: { error: 'invalid_client_metadata' } });
  });
});

describe('the sandbox\'s authorization code flow with PKCE', () => {
  for (const [who, email, userId] of [
    ['the admin', 'admin@sandbox.test', SANDBOX_USERS.admin.id],
    ['the member', 'member@sandbox.test', SANDBOX_USERS.member.id],
  ] as const) {
    it(`signs ${who} in by login_hint, redirecting straight back with the code and the state, and the token verifies as that user`, async () => {
      const sandbox = await start();
      const { client_id } = await registerPublicClient(sandbox.url);
      const { verifier, challenge } = pkce();
      const { status, redirect } = await authorize(sandbox.url, {
        response_type: 'code', client_id, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256',
        state: 'opaque-state-42', scope: 'profile email', login_hint: email, resource: 'http://127.0.0.1:8080/mcp',
      });
      expect(status).toBe(302);
      expect(`${redirect?.origin}${redirect?.pathname}`).toBe(REDIRECT_URI);
      expect(redirect?.searchParams.get('state')).toBe('opaque-state-42');
      const code = redirect?.searchParams.get('code') ?? '';
      expect(code).not.toBe('');
      const token = await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id, resource: 'http://127.0.0.1:8080/mcp' });
      expect(token.status).toBe(200);
      expect(token.headers.get('cache-control')).toBe('no-store');
      expect(token.json).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, scope: 'profile email', access_token: expect.stringMatching(/^oat_/), refresh_token: expect.any(String) });
      const verified = await verify(sandbox, token.json['access_token'] as string);
      expect(verified.status).toBe(200);
      expect(verified.json).toMatchObject({ object: 'clerk_idp_oauth_access_token', subject: userId, client_id, scopes: ['profile', 'email'], revoked: false, expired: false });
      expect(sandbox.describeAccessToken(token.json['access_token'] as string)).toMatchObject({ userId, clientId: client_id, resources: ['http://127.0.0.1:8080/mcp'] });
    });
  }

  it('creates admin+<tag>@ and member+<tag>@ users on first use, with stable ids and their role in org_sandbox', async () => {
    const [one, two] = [await start(), await start()];
    const first = await signInWithOAuth(one.url, 'admin+load-1@sandbox.test');
    const again = await signInWithOAuth(one.url, 'admin+load-1@sandbox.test');
    const elsewhere = await signInWithOAuth(two.url, 'Admin+Load-1@sandbox.test');
    const member = await signInWithOAuth(one.url, 'member+load-1@sandbox.test');
    const subject = async (sandbox: Sandbox, token: string) => (await verify(sandbox, token)).json['subject'] as string;
    const adminId = await subject(one, first.access_token);
    expect(adminId).toMatch(/^user_\w{27}$/);
    expect(await subject(one, again.access_token)).toBe(adminId);
    expect(await subject(two, elsewhere.access_token)).toBe(adminId);
    const memberId = await subject(one, member.access_token);
    expect(memberId).not.toBe(adminId);
    const roles = async (id: string) => ((await backend(one, 'GET', `/users/${id}/organization_memberships`)).json['data'] as { role: string; organization: { id: string } }[]).map((m) => [m.organization.id, m.role]);
    expect(await roles(adminId)).toEqual([['org_sandbox', 'org:admin']]);
    expect(await roles(memberId)).toEqual([['org_sandbox', 'org:member']]);
  });

  it('answers an unknown or missing login_hint with an error redirect to the client (RFC 6749 §4.1.2.1), carrying the state', async () => {
    const sandbox = await start();
    const { client_id } = await registerPublicClient(sandbox.url);
    const base = { response_type: 'code', client_id, redirect_uri: REDIRECT_URI, code_challenge: pkce().challenge, code_challenge_method: 'S256', state: 'state-abcdef' };
    const unknown = await authorize(sandbox.url, { ...base, login_hint: 'stranger@example.com' });
    expect(unknown.status).toBe(302);
    expect(unknown.redirect?.searchParams.get('error')).toBe('access_denied');
    expect(unknown.redirect?.searchParams.get('state')).toBe('state-abcdef');
    expect(unknown.redirect?.searchParams.has('code')).toBe(false);
    const missing = await authorize(sandbox.url, base);
    expect(missing.status).toBe(302);
    expect(missing.redirect?.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses plain PKCE, a missing challenge, an unknown scope and a foreign redirect_uri (that one without redirecting)', async () => {
    const sandbox = await start();
    const { client_id } = await registerPublicClient(sandbox.url, { scope: 'profile email' });
    const { challenge } = pkce();
    const base = { response_type: 'code', client_id, redirect_uri: REDIRECT_URI, state: 'state-abcdef', login_hint: 'admin@sandbox.test' };
    const errorOf = async (params: Record<string, string>) => (await authorize(sandbox.url, params)).redirect?.searchParams.get('error');
    expect(await errorOf({ ...base, code_challenge: challenge, code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await errorOf({ ...base, code_challenge: challenge })).toBe('invalid_request'); // No method means plain.
    expect(await errorOf(base)).toBe('invalid_request');
    expect(await errorOf({ ...base, code_challenge: challenge, code_challenge_method: 'S256', scope: 'profile admin' })).toBe('invalid_scope');
    expect(await errorOf({ ...base, code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid' })).toBe('invalid_scope'); // Not registered.
    const foreign = await authorize(sandbox.url, { ...base, code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: 'http://127.0.0.1:9/other' });
    expect(foreign.status).toBe(400);
    expect(foreign.redirect).toBeUndefined();
    expect(JSON.parse(foreign.body)).toMatchObject({ error: 'invalid_request' });
    const unknownClient = await authorize(sandbox.url, { ...base, client_id: 'client_unknown', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(unknownClient.status).toBe(401);
    expect(unknownClient.redirect).toBeUndefined();
  });
});

describe('the sandbox\'s token endpoint', () => {
  async function setUp() {
    const sandbox = await start();
    const { client_id } = await registerPublicClient(sandbox.url);
    const { code, verifier } = await codeFor(sandbox.url, client_id, 'admin@sandbox.test');
    const exchange = (form: Record<string, string>) => postForm(`${sandbox.url}/oauth/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id, ...form });
    return { sandbox, client_id, code, verifier, exchange };
  }

  it('refuses a wrong verifier with invalid_grant, and the code is burnt', async () => {
    const { exchange } = await setUp();
    const wrong = await exchange({ code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('code_verifier') });
    expect((await exchange({})).json['error']).toBe('invalid_grant');
  });

  it('redeems a code once: a replay is refused and revokes the tokens the code gave', async () => {
    const { sandbox, exchange } = await setUp();
    const first = await exchange({});
    expect(first.status).toBe(200);
    const replay = await exchange({});
    expect(replay).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect((await verify(sandbox, first.json['access_token'] as string)).json['revoked']).toBe(true);
  });

  it('refuses a redirect_uri other than the authorization request\'s', async () => {
    const { exchange } = await setUp();
    expect(await exchange({ redirect_uri: 'http://127.0.0.1:9/other' })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('refuses a client other than the one the code was issued to, and an unknown client with invalid_client', async () => {
    const { sandbox, exchange } = await setUp();
    const other = await registerPublicClient(sandbox.url);
    expect(await exchange({ client_id: other.client_id })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const { exchange: exchangeAgain } = await setUp();
    expect(await exchangeAgain({ client_id: 'client_unknown' })).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
  });

  it('refuses a token for a resource the authorization did not name (RFC 8707 invalid_target)', async () => {
    const sandbox = await start();
    const { client_id } = await registerPublicClient(sandbox.url);
    const { code, verifier } = await codeFor(sandbox.url, client_id, 'admin@sandbox.test', { resource: 'http://127.0.0.1:8080/mcp' });
    const other = await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id, resource: 'http://127.0.0.1:9999/other' });
    expect(other).toMatchObject({ status: 400, json: { error: 'invalid_target' } });
  });

  it('refuses an expired code', async () => {
    const sandbox = await start({ authorizationCodeTtlSeconds: 0.05 });
    const { client_id } = await registerPublicClient(sandbox.url);
    const { code, verifier } = await codeFor(sandbox.url, client_id, 'admin@sandbox.test');
    await new Promise((resolve) => setTimeout(resolve, 80));
    const late = await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id });
    expect(late.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
  });

  it('rotates refresh tokens: the new one works, the old one is refused', async () => {
    const sandbox = await start();
    const tokens = await signInWithOAuth(sandbox.url, 'member@sandbox.test');
    const refresh = (refresh_token: string) => postForm(`${sandbox.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token, client_id: tokens.client_id });
    const rotated = await refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);
    expect(rotated.json['refresh_token']).not.toBe(tokens.refresh_token);
    expect(rotated.json['access_token']).not.toBe(tokens.access_token);
    expect((await verify(sandbox, rotated.json['access_token'] as string)).json['subject']).toBe(SANDBOX_USERS.member.id);
    expect(await refresh(tokens.refresh_token)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect((await refresh(rotated.json['refresh_token'] as string)).status).toBe(200);
  });

  it('answers RFC 6749 §5.2 errors for a bad grant type and a missing parameter', async () => {
    const sandbox = await start();
    const { client_id } = await registerPublicClient(sandbox.url);
    expect(await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'password', client_id })).toMatchObject({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'authorization_code', client_id })).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    const noRefresh = await registerPublicClient(sandbox.url, { grant_types: ['authorization_code'] });
    const tokens = await signInWithOAuth(sandbox.url, 'admin@sandbox.test', noRefresh.client_id);
    expect(tokens).not.toHaveProperty('refresh_token');
    const refused = await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: 'clk_refresh_any', client_id: noRefresh.client_id });
    expect(refused).toMatchObject({ status: 400, json: { error: 'unauthorized_client' } });
  });
});

describe('revocation and expiry, as the Backend API verifies them', () => {
  it('a revoked access token verifies as revoked (RFC 7009)', async () => {
    const sandbox = await start();
    const tokens = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    const revoked = await postForm(`${sandbox.url}/oauth/token/revoke`, { token: tokens.access_token, token_type_hint: 'access_token', client_id: tokens.client_id });
    expect(revoked.status).toBe(200);
    expect((await verify(sandbox, tokens.access_token)).json).toMatchObject({ revoked: true, revocation_reason: expect.any(String), expired: false });
  });

  it('revoking a refresh token revokes it and its access token', async () => {
    const sandbox = await start();
    const tokens = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    await postForm(`${sandbox.url}/oauth/token/revoke`, { token: tokens.refresh_token, client_id: tokens.client_id });
    expect((await verify(sandbox, tokens.access_token)).json['revoked']).toBe(true);
    const refresh = await postForm(`${sandbox.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens.client_id });
    expect(refresh.json['error']).toBe('invalid_grant');
  });

  it('an access token past its lifetime verifies as expired', async () => {
    const sandbox = await start({ accessTokenTtlSeconds: 1 });
    const tokens = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    expect(tokens.expires_in).toBe(1);
    expect((await verify(sandbox, tokens.access_token)).json['expired']).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await verify(sandbox, tokens.access_token)).json).toMatchObject({ expired: true, revoked: false });
  });
});

describe('the sandbox\'s token info and user info endpoints', () => {
  it('introspects an active token, and says active:false once it is revoked', async () => {
    const sandbox = await start();
    const tokens = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    const info = await postForm(`${sandbox.url}/oauth/token_info`, { token: tokens.access_token });
    expect(info.json).toMatchObject({ active: true, client_id: tokens.client_id, sub: SANDBOX_USERS.admin.id, scope: 'profile email' });
    await postForm(`${sandbox.url}/oauth/token/revoke`, { token: tokens.access_token, client_id: tokens.client_id });
    expect((await postForm(`${sandbox.url}/oauth/token_info`, { token: tokens.access_token })).json).toEqual({ active: false });
    expect((await postForm(`${sandbox.url}/oauth/token_info`, { token: 'oat_forged' })).json).toEqual({ active: false });
  });

  it('answers user info with the claims of the granted scopes, and Clerk\'s 401 without a valid token', async () => {
    const sandbox = await start();
    const tokens = await signInWithOAuth(sandbox.url, 'member@sandbox.test');
    const res = await fetch(`${sandbox.url}/oauth/userinfo`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: SANDBOX_USERS.member.id, user_id: SANDBOX_USERS.member.id, email: 'member@sandbox.test', given_name: 'Sandbox' });
    const refused = await fetch(`${sandbox.url}/oauth/userinfo`, { headers: { Authorization: 'Bearer oat_forged' } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ errors: [{ code: 'authentication_invalid' }] });
  });
});
