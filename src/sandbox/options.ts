/** The sandbox's OAuth and Backend API settings from the environment, for the commands that start one. */

/** The part of `SandboxOptions` the environment can set (its own type: `simulator.ts` imports this file). */
export interface SandboxEnvOptions {
  secretKey?: string;
  accessTokenTtlSeconds?: number;
  backendRateLimit?: { requests: number; windowSeconds: number };
}

/** Names of the variables, for messages and documentation. */
export const SANDBOX_ENV = {
  secretKey: 'CLERK_SANDBOX_SECRET_KEY',
  accessTokenTtl: 'CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS',
  backendRateLimit: 'CLERK_SANDBOX_BACKEND_RATE_LIMIT',
} as const;

/**
 * `CLERK_SANDBOX_SECRET_KEY` (a fixed Backend API secret key, e.g. shared with replicas started
 * separately), `CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS` (short-lived access tokens for tests) and
 * `CLERK_SANDBOX_BACKEND_RATE_LIMIT` (`<requests>/<seconds>`, e.g. Clerk's development `100/10`).
 * A value that is set but unusable throws, naming the variable.
 */
export function sandboxOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): SandboxEnvOptions {
  const options: SandboxEnvOptions = {};
  const secretKey = env[SANDBOX_ENV.secretKey]?.trim();
  if (secretKey !== undefined && secretKey !== '') {
    if (!/^sk_test_[A-Za-z0-9]{16,}$/.test(secretKey)) throw new Error(`${SANDBOX_ENV.secretKey} must look like sk_test_ followed by at least 16 letters or digits.`);
    options.secretKey = secretKey;
  }
  const ttl = env[SANDBOX_ENV.accessTokenTtl]?.trim();
  if (ttl !== undefined && ttl !== '') {
    if (!/^\d{1,9}$/.test(ttl) || Number(ttl) === 0) throw new Error(`${SANDBOX_ENV.accessTokenTtl} must be a positive whole number of seconds.`);
    options.accessTokenTtlSeconds = Number(ttl);
  }
  const limit = env[SANDBOX_ENV.backendRateLimit]?.trim();
  if (limit !== undefined && limit !== '') {
    const match = /^([1-9]\d{0,8})\/([1-9]\d{0,5})$/.exec(limit);
    if (match === null) throw new Error(`${SANDBOX_ENV.backendRateLimit} must be <requests>/<seconds>, e.g. 100/10.`);
    options.backendRateLimit = { requests: Number(match[1]), windowSeconds: Number(match[2]) };
  }
  return options;
}
