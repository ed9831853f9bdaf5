/**
 * For `logout` only: what can still be done with a credentials file that CredentialStore refuses
 * (open permissions, another owner, damaged). It is our own file, and a user who finds it exposed
 * most wants the token in it ended; so it is read anyway, and the entry removed.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { isRecord } from '../json.js';
import { writePrivateTemp } from './private-file.js';

/** What a refused file yields for one host. */
export type Salvaged =
  | { readonly kind: 'token'; readonly clientToken: string; readonly otherHosts: number }
  | { readonly kind: 'no-entry'; readonly otherHosts: number }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Reads the client token for `host`, from any JSON that still has `hosts[host].clientToken`. */
export function salvageEntry(path: string, host: string): Salvaged {
  let text: string;
  try {
    // A link or a folder is not ours to follow: only a regular file is read.
    if (!lstatSync(path).isFile()) return { kind: 'unreadable', reason: 'it is not a regular file' };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', reason: 'it is not valid JSON' };
  }
  const hosts = isRecord(parsed) && isRecord(parsed.hosts) ? parsed.hosts : undefined;
  if (!hosts) return { kind: 'unreadable', reason: 'it has no "hosts" object' };
  const otherHosts = Object.keys(hosts).filter((name) => name !== host).length;
  const entry = Object.hasOwn(hosts, host) ? hosts[host] : undefined;
  const token = isRecord(entry) ? entry.clientToken : undefined;
  return typeof token === 'string' && token.trim() !== '' ? { kind: 'token', clientToken: token, otherHosts } : { kind: 'no-entry', otherHosts };
}

/**
 * Removes the entry for `host`: the other hosts' entries are written back as they were, privately
 * (0600, temp file and rename, as the store writes); with none left, the whole file goes. Says what
 * it did; throws, leaving the file as it was, when it cannot be rewritten: the other hosts' sign-ins
 * are never dropped to get rid of this one.
 */
export async function removeSalvaged(path: string, host: string, otherHosts: number): Promise<string> {
  if (otherHosts === 0) {
    await rm(path, { force: true });
    return `Removed ${path}, which held only this sign-in.`;
  }
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!isRecord(parsed) || !isRecord(parsed.hosts)) throw new Error('it no longer has a "hosts" object');
  const hosts = Object.fromEntries(Object.entries(parsed.hosts).filter(([name]) => name !== host));
  const temp = await writePrivateTemp(path, Buffer.from(`${JSON.stringify({ ...parsed, hosts }, null, 2)}\n`, 'utf8'));
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return `Removed the credentials for ${host} from ${path}; it keeps ${otherHosts} other sign-in(s) and is private again (mode 600).`;
}
