import { describe, expect, it } from 'vitest';
import { parseApiUrl } from '../src/clerk/settings.js';
import { isLoopback } from '../src/loopback.js';

// One rule for "plain http is allowed to this URL" (clerk/settings.ts) and "listening here keeps
// the server local" (mcp/http, cli): a URL's hostname brackets IPv6, a --host value may not.
describe('isLoopback (src/loopback.ts)', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['127.0.0.1.nip.io', false],
    ['localhost.evil.example', false],
    ['128.0.0.1', false],
  ])('%s: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it('is the rule a Clerk URL is checked by: http to a loopback host of either spelling, https elsewhere', () => {
    for (const url of ['http://localhost:3000', 'http://127.0.0.2:3000', 'http://[::1]:3000']) expect(() => parseApiUrl(url, 'CLERK_FRONTEND_API_URL', 'https://clerk.example.com'), url).not.toThrow();
    expect(() => parseApiUrl('http://10.0.0.1:3000', 'CLERK_FRONTEND_API_URL', 'https://clerk.example.com')).toThrow('must use https');
  });
});
