import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendClient } from '../../src/clerk/backend/client.js';
import { ClerkTokenVerifier, subjectOf, type TokenVerifierOptions } from '../../src/clerk/backend/token-verifier.js';
import { ADMIN, backendSettings, SECRET_KEY } from '../helpers/fake-backend.js';
import { clerkErrors, startFakeClerk, type FakeClerk, type Reply } from '../helpers/fake-clerk.js';

const TOKEN = 'oat_live_secret_access_token_0123456789abcdef';
/** A token of the shape Clerk issues (`oat_` then URL-safe characters), named by `name`. */
const oat = (name: string): string => `oat_${name.padEnd(32, '0')}`;
const NOW = 1_800_000_000_000;

/** Clerk's verify answer for a live token of ADMIN, issued to client_mcp. */
function verified(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    object: 'clerk_idp_oauth_access_token',
    id: 'oat_0ef5a7a33d87ed87ee7954c845d80450',
    client_id: 'client_mcp',
    subject: ADMIN,
    scopes: ['profile', 'email'],
    revoked: false,
    revocation_reason: null,
    expired: false,
    expiration: NOW / 1000 + 3600,
    created_at: NOW / 1000 - 60,
    updated_at: NOW / 1000 - 60,
    ...overrides,
  };
}

let now = NOW;
afterEach(() => {
  now = NOW;
  vi.restoreAllMocks();
});

async function verifierFor(reply: (token: string, hit: number) => Reply, options: TokenVerifierOptions = {}): Promise<{ fake: FakeClerk; verifier: ClerkTokenVerifier }> {
  const fake = await startFakeClerk((request, hit) => reply((JSON.parse(request.body) as { access_token: string }).access_token, hit));
  return { fake, verifier: new ClerkTokenVerifier(new BackendClient(backendSettings(fake.url)), { now: () => now, ...options }) };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(OAuthError);
  return { code: (error as OAuthError).code, message: (error as OAuthError).message };
}

describe('verifying OAuth access tokens with the Backend API', () => {
  it('asks Clerk with the secret key and the token in a JSON body, and gives the SDK an AuthInfo for the token\'s user', async () => {
    const { fake, verifier } = await verifierFor(() => ({ json: verified() }));
    const info = await verifier.verifyAccessToken(TOKEN);

    expect(info).toEqual({ token: TOKEN, clientId: 'client_mcp', scopes: ['profile', 'email'], expiresAt: NOW / 1000 + 3600, extra: { subject: ADMIN, tokenId: 'oat_0ef5a7a33d87ed87ee7954c845d80450' } });
    expect(subjectOf(info)).toBe(ADMIN);
    const [request] = fake.requests;
    expect([request?.method, request?.path, request?.headers.authorization, request?.headers['content-type']]).toEqual(['POST', '/v1/oauth_applications/access_tokens/verify', `Bearer ${SECRET_KEY}`, 'application/json']);
    expect(JSON.parse(request!.body)).toEqual({ access_token: TOKEN });
  });

  it.each([
    ['revoked', { json: verified({ revoked: true, revocation_reason: 'Revoked by user' }) }, 'The access token was revoked'],
    ['expired', { json: verified({ expired: true }) }, 'The access token has expired'],
    ['past its expiration', { json: verified({ expiration: NOW / 1000 - 1 }) }, 'The access token has expired'],
    ['an inactive JWT ({ active: false })', { json: { active: false } }, 'The access token is expired or not active'],
    ['unknown to the instance (404)', { status: 404, json: clerkErrors({ code: 'resource_not_found' }) }, 'The access token is not known to this Clerk instance'],
    ['malformed (400)', { status: 400, json: clerkErrors({ code: 'bad_request' }) }, 'The access token is not known to this Clerk instance'],
    ['not a user\'s', { json: verified({ subject: 'org_1' }) }, 'The access token does not act for a user of this Clerk instance'],
    ['some other object', { json: { object: 'api_key', subject: ADMIN } }, 'The access token is not an OAuth access token of this Clerk instance'],
  ] satisfies [string, Reply, string][])('refuses a token that is %s as invalid_token', async (_what, reply, message) => {
    const { verifier } = await verifierFor(() => reply);
    expect(await refusal(verifier.verifyAccessToken(TOKEN))).toEqual({ code: OAuthErrorCode.InvalidToken, message });
  });

  it('refuses a token issued to an application outside CLERK_MCP_ALLOWED_CLIENT_IDS (a token for another resource)', async () => {
    const { verifier } = await verifierFor((token) => ({ json: verified({ client_id: token === oat('theirs') ? 'client_other_app' : 'client_mcp' }) }), { allowedClientIds: ['client_mcp'] });
    expect(await refusal(verifier.verifyAccessToken(oat('theirs')))).toEqual({ code: OAuthErrorCode.InvalidToken, message: 'The access token was issued to an application this server does not accept' });
    expect((await verifier.verifyAccessToken(oat('ours'))).clientId).toBe('client_mcp');
  });

  it('keeps a verification for a few seconds, then asks again', async () => {
    const { fake, verifier } = await verifierFor(() => ({ json: verified() }), { cacheMs: 5_000 });
    await verifier.verifyAccessToken(TOKEN);
    now += 4_999;
    await verifier.verifyAccessToken(TOKEN);
    expect(fake.requests).toHaveLength(1);
    now += 2;
    await verifier.verifyAccessToken(TOKEN);
    expect(fake.requests).toHaveLength(2);
  });

  it('never keeps a verification past the token\'s expiration', async () => {
    const { fake, verifier } = await verifierFor((_token, hit) => ({ json: verified({ expiration: NOW / 1000 + 1, expired: hit > 1 }) }), { cacheMs: 5_000 });
    await verifier.verifyAccessToken(TOKEN);
    now += 1_500;
    expect(await refusal(verifier.verifyAccessToken(TOKEN))).toMatchObject({ code: OAuthErrorCode.InvalidToken });
    expect(fake.requests).toHaveLength(2);
  });

  it('keeps a refusal too, so that a flood of one forged token costs one call to Clerk', async () => {
    const { fake, verifier } = await verifierFor(() => ({ status: 404, json: clerkErrors({ code: 'resource_not_found' }) }));
    for (let i = 0; i < 5; i++) await refusal(verifier.verifyAccessToken(oat('forged')));
    expect(fake.requests).toHaveLength(1);
  });

  it('shares one request among concurrent verifications of one token', async () => {
    const { fake, verifier } = await verifierFor(() => ({ json: verified(), delayMs: 50 }));
    const infos = await Promise.all(Array.from({ length: 20 }, () => verifier.verifyAccessToken(TOKEN)));
    expect(new Set(infos.map(subjectOf))).toEqual(new Set([ADMIN]));
    expect(fake.requests).toHaveLength(1);
  });

  it('keeps at most maxEntries verifications, dropping the oldest', async () => {
    const { fake, verifier } = await verifierFor(() => ({ json: verified() }), { maxEntries: 2 });
    for (const token of ['a', 'b', 'c']) await verifier.verifyAccessToken(oat(token));
    expect(verifier.cached).toBe(2);
    await verifier.verifyAccessToken(oat('c'));
    await verifier.verifyAccessToken(oat('a'));
    expect(fake.requests.map((r) => (JSON.parse(r.body) as { access_token: string }).access_token)).toEqual(['a', 'b', 'c', 'a'].map(oat));
  });

  it('says temporarily_unavailable when Clerk cannot answer (429 after its retries), keeps nothing, and logs no token', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { fake, verifier } = await verifierFor((token, hit) => (hit <= 3 ? { status: 429, json: { ...(clerkErrors({ code: 'too_many_requests', long_message: `slow down ${token} ${SECRET_KEY}` }) as object) } } : { json: verified() }), { cacheMs: 5_000 });
    expect(await refusal(verifier.verifyAccessToken(TOKEN))).toEqual({ code: OAuthErrorCode.TemporarilyUnavailable, message: 'The access token cannot be verified right now: try again shortly' });
    expect(subjectOf(await verifier.verifyAccessToken(TOKEN))).toBe(ADMIN);
    expect(fake.requests).toHaveLength(4);
    const logged = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(logged).toContain('Clerk could not answer');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(SECRET_KEY);
  });

  it('says server_error when Clerk refuses the server\'s secret key', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { verifier } = await verifierFor(() => ({ status: 401, json: clerkErrors({ code: 'authentication_invalid' }) }));
    expect(await refusal(verifier.verifyAccessToken(TOKEN))).toMatchObject({ code: OAuthErrorCode.ServerError });
  });
});
