import { isIP } from 'node:net';

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
