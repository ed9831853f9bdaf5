import { isIP } from 'node:net';

/**
 * Whether `host` (a host name or address, IPv6 with or without brackets, as a URL's `hostname` or
 * a `--host` value gives it) is this machine's loopback: `localhost`, 127.0.0.0/8 or ::1. The one
 * rule for both "may this URL be plain http" and "does listening here keep the server local".
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}
