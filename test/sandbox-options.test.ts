import { describe, expect, it } from 'vitest';
import { sandboxOptionsFromEnv } from '../src/sandbox/simulator.js';

describe('the sandbox\'s options from the environment', () => {
  it('reads the secret key, the access token lifetime and the Backend API rate limit', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({});
    expect(sandboxOptionsFromEnv({ CLERK_SANDBOX_SECRET_KEY: ' sk_test_abcdefghijklmnop1234 ', CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS: '30', CLERK_SANDBOX_BACKEND_RATE_LIMIT: '100/10' })).toEqual({
      secretKey: 'sk_test_abcdefghijklmnop1234',
      accessTokenTtlSeconds: 30,
      backendRateLimit: { requests: 100, windowSeconds: 10 },
    });
  });

  it('refuses unusable values, naming the variable and never quoting a secret key', () => {
    expect(() => sandboxOptionsFromEnv({ CLERK_SANDBOX_SECRET_KEY: 'sk_live_realLookingKey123456789' })).toThrow(/^CLERK_SANDBOX_SECRET_KEY must look like sk_test_/);
    expect(() => sandboxOptionsFromEnv({ CLERK_SANDBOX_SECRET_KEY: 'sk_live_realLookingKey123456789' })).not.toThrow(/realLookingKey/);
    for (const ttl of ['0', '-5', '1.5', 'soon']) {
      expect(() => sandboxOptionsFromEnv({ CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS: ttl })).toThrow(/^CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS must be/);
    }
    for (const limit of ['100', '0/10', '100/0', '100 per 10']) {
      expect(() => sandboxOptionsFromEnv({ CLERK_SANDBOX_BACKEND_RATE_LIMIT: limit })).toThrow(/^CLERK_SANDBOX_BACKEND_RATE_LIMIT must be <requests>\/<seconds>/);
    }
  });
});
