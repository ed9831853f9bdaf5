import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendClient } from '../../src/clerk/backend/client.js';
import { ClerkTokenVerifier, subjectOf, VERIFY_PATH } from '../../src/clerk/backend/token-verifier.js';
import { ADMIN, backendSettings } from '../helpers/fake-backend.js';
import { clerkErrors, startFakeClerk, type Received } from '../helpers/fake-clerk.js';

const GOOD = 'oat_good_0123456789abcdef0123456789abcdef';
const live = { object: 'clerk_idp_oauth_access_token', id: 'oat_0ef5a7a33d87ed87ee7954c845d80450', client_id: 'client_mcp', subject: ADMIN, scopes: [], revoked: false, expired: false, expiration: Math.floor(Date.now() / 1000) + 3600 };
const unknown = { status: 404, json: clerkErrors({ code: 'resource_not_found' }) };
const sentToken = (r: Received): string => (JSON.parse(r.body) as { access_token: string }).access_token;

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(OAuthError);
  return (error as OAuthError).code;
}

afterEach(() => vi.restoreAllMocks());

describe('a flood of forged access tokens', () => {
  it('refuses 50 distinct tokens that cannot be Clerk\'s without one call to the Backend API', async () => {
    const fake = await startFakeClerk(() => unknown);
    const verifier = new ClerkTokenVerifier(new BackendClient(backendSettings(fake.url)));
    const forged = Array.from({ length: 50 }, (_, i) => [`forged-${i}`, `Bearer${i}`, `oat_${i}`, `eyJ${i}.x`, `oat_${'a'.repeat(20)}/${i}`, `${'x'.repeat(9_000)}${i}`][i % 6]!);
    const codes = await Promise.all(forged.map((token) => refusal(verifier.verifyAccessToken(token))));
    expect(new Set(codes)).toEqual(new Set([OAuthErrorCode.InvalidToken]));
    expect(fake.requests).toHaveLength(0);
  });

  it('still asks Clerk about both shapes Clerk issues: an opaque oat_ token and a JWT', async () => {
    const fake = await startFakeClerk(() => ({ json: live }));
    const verifier = new ClerkTokenVerifier(new BackendClient(backendSettings(fake.url)));
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJlLWJ5dGVz';
    for (const token of [GOOD, jwt]) expect(subjectOf(await verifier.verifyAccessToken(token))).toBe(ADMIN);
    expect(fake.requests.map(sentToken)).toEqual([GOOD, jwt]);
  });

  it('gives verifications their own few slots with a bounded line, so a tool call is sent while well-shaped unknown tokens hold theirs', async () => {
    let toolCallArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (toolCallArrived = resolve));
    // Verifications are answered only once the tool call reached Clerk: if they held every
    // slot of the client, the tool call would never be sent and fail at its deadline.
    let verifying = 0;
    let verifyingWhenToolCallArrived = -1;
    const fake = await startFakeClerk((request) => {
      if (request.path === VERIFY_PATH) {
        verifying++;
        return { ...unknown, until: arrived };
      }
      verifyingWhenToolCallArrived = verifying;
      toolCallArrived();
      return { json: { data: [], total_count: 0 } };
    });
    const client = new BackendClient(backendSettings(fake.url, { maxConcurrency: 3, timeoutMs: 1_000 }));
    const verifier = new ClerkTokenVerifier(client, { concurrency: 2, maxWaiting: 5 });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const flood = Array.from({ length: 20 }, (_, i) => refusal(verifier.verifyAccessToken(`oat_unknown_${String(i).padStart(30, '0')}`)));
    const toolCall = client.request({ method: 'GET', path: '/v1/organizations/org_1/invitations' });
    await expect(toolCall).resolves.toEqual({ data: [], total_count: 0 });
    const codes = await Promise.all(flood);
    // At most the verifier's two slots in Clerk's hands beside the tool call; the five waiting
    // went after it, the rest were turned away at once (503).
    expect(verifyingWhenToolCallArrived).toBeGreaterThanOrEqual(0);
    expect(verifyingWhenToolCallArrived).toBeLessThanOrEqual(2);
    expect(fake.requests.filter((r) => r.path === VERIFY_PATH)).toHaveLength(7);
    expect(codes.filter((c) => c === OAuthErrorCode.InvalidToken)).toHaveLength(7);
    expect(codes.filter((c) => c === OAuthErrorCode.TemporarilyUnavailable)).toHaveLength(13);
  });

  it('keeps refusals apart: a flood of unknown tokens evicts no valid token\'s verification', async () => {
    const fake = await startFakeClerk((request) => (sentToken(request) === GOOD ? { json: live } : unknown));
    const verifier = new ClerkTokenVerifier(new BackendClient(backendSettings(fake.url)), { maxEntries: 10, maxRefusals: 5, maxWaiting: 100 });
    await verifier.verifyAccessToken(GOOD);
    await Promise.all(Array.from({ length: 40 }, (_, i) => refusal(verifier.verifyAccessToken(`oat_unknown_${String(i).padStart(30, '0')}`))));
    expect([verifier.cached, verifier.refusalsCached]).toEqual([1, 5]);
    expect(subjectOf(await verifier.verifyAccessToken(GOOD))).toBe(ADMIN);
    expect(fake.requests.filter((r) => sentToken(r) === GOOD)).toHaveLength(1);
  });

  it('writes one log line, not one per token, while Clerk cannot answer', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const fake = await startFakeClerk(() => ({ status: 500, json: clerkErrors({ code: 'internal' }) }));
    const verifier = new ClerkTokenVerifier(new BackendClient(backendSettings(fake.url)), { now: () => 1_000 });
    for (let i = 0; i < 10; i++) expect(await refusal(verifier.verifyAccessToken(`oat_token_${String(i).padStart(30, '0')}`))).toBe(OAuthErrorCode.TemporarilyUnavailable);
    expect(fake.requests.length).toBeGreaterThanOrEqual(10);
    expect(stderr.mock.calls.filter(([chunk]) => String(chunk).includes('Clerk could not answer'))).toHaveLength(1);
  });
});
