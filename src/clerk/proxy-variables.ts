import { ConfigError } from '../errors.js';
import type { Env } from '../env.js';

/** The variables that can send an https request through a proxy (proxy-from-env reads either case). */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'] as const;

/** The proxy variables that are set (not blank). */
export const proxyVariablesSet = (env: Env): string[] => PROXY_VARIABLES.filter((name) => env[name]?.trim());

/**
 * Refuses a proxy variable that is not an http(s) URL (`socks5://…`, `proxy:3128`), naming it:
 * guessing could send the requests somewhere unmeant. The value is not repeated, as it may hold
 * the proxy's password.
 */
export function checkProxyVariables(env: Env): void {
  for (const name of proxyVariablesSet(env)) {
    let protocol: string | undefined;
    try {
      protocol = new URL((env[name] ?? '').trim()).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new ConfigError(`${name} must be the proxy's URL, starting with http:// or https:// (e.g. http://proxy.example:3128); unset it to connect directly`);
    }
  }
}
