/** The sandbox's OAuth and Backend API settings from the environment, for the commands that start one. */

/** The part of `SandboxOptions` the environment can set (its own type: `simulator.ts` imports this file). */
export interface SandboxEnvOptions {
  secretKey?: string;
  accessTokenTtlSeconds?: number;
}

/** Names of the variables, for messages and documentation. */
export const SANDBOX_ENV = {
  secretKey: 'CLERK_SANDBOX_SECRET_KEY',
  accessTokenTtl: 'CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS',
} as const;

/**
 * `CLERK_SANDBOX_SECRET_KEY` (a fixed Backend API secret key, e.g. shared with replicas started
 * separately) and `CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS` (short-lived access tokens for tests).
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
  return options;
}
