import { isIP } from 'node:net';

/** Whether listening on `host` keeps the server to this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * Host names as the Host and Origin checks compare them: lower case, without a port, IPv6 in
 * brackets. Throws on something that is not a host name (a URL, a path, a port alone).
 */
export function hostNames(list: readonly string[]): string[] {
  return list.map((raw) => {
    const name = raw.trim().toLowerCase();
    if (isIP(name) === 6) return `[${name}]`;
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/.test(name)) throw new Error(`'${raw}' is not a host name (no scheme, port or path: e.g. mcp.example.com)`);
    return name;
  });
}
