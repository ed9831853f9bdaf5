import { describe, expect, it } from 'vitest';
import { ClerkClient } from '../src/clerk/client.js';
import { describeFailure } from '../src/clerk/errors.js';
import { retryAfterMs } from '../src/clerk/retry-after.js';
import { callDeadlineMs } from '../src/clerk/settings.js';
import { testSettings } from './helpers/connect.js';
import { clerkErrors, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

let fake: FakeClerk | undefined;

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('Sun, 29 Nov 2026 12:00:00 GMT');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sun, 29 Nov 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    for (const bad of ['soon', 'x 1', '-5', '1.5', '1e3', 'NaN', '', undefined, null]) expect(retryAfterMs(bad, now), String(bad)).toBeUndefined();
  });
});

describe('a 429 whose Retry-After does not parse', () => {
  const timeoutMs = 2_000;
  const deadlineMs = callDeadlineMs(timeoutMs);

  it.each([
    ['Retry-After', 'GET', { 'retry-after': 'soon' }],
    ['Retry-After', 'POST', { 'retry-after': 'in a minute' }],
    ['RateLimit-Reset', 'GET', { 'ratelimit-reset': 'later' }],
  ] as const)('an unparseable %s on a %s: retried after the short backoff, answered within the deadline, never called ambiguous', async (_header, method, headers) => {
    fake = await startFakeClerk(() => ({ status: 429, headers, json: clerkErrors({ code: 'too_many_requests' }) }));
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url, timeoutMs }));
    const started = Date.now();
    const error = await clerk.request({ method, path: '/v1/organizations/org_1/invitations', ...(method === 'POST' ? { form: { email_address: 'a@example.com', role: 'org:admin' } } : {}) }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    const message = describeFailure('tool', error);
    // Read as "no header": two retries after 300 and 600 ms, not ky's 10 s cap.
    expect(fake.requests).toHaveLength(3);
    expect(elapsed).toBeLessThan(deadlineMs);
    expect(message).toContain(`tool failed: Clerk answered 429 Too Many Requests to ${method} /v1/organizations/org_1/invitations.`);
    expect(message).toContain('Hint: Clerk is rate limiting these requests (retried 2 times): wait a moment before trying again.');
    expect(message).not.toContain('taken effect');
    expect(message).not.toContain('no complete answer');
  });

  it('does not start a wait that would end past the deadline: the 429 itself is the answer', async () => {
    fake = await startFakeClerk(() => ({ status: 429, headers: { 'retry-after': '5' }, json: clerkErrors({ code: 'too_many_requests' }) }));
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url, timeoutMs }));
    const error = await clerk.request({ method: 'POST', path: '/v1/organizations/org_1/invitations', form: { email_address: 'a@example.com', role: 'org:admin' } }).catch((e: unknown) => e);
    expect(fake.requests).toHaveLength(1);
    const message = describeFailure('tool', error);
    expect(message).toContain('wait 5 s before trying again');
    expect(message).not.toContain('taken effect');
  });
});
