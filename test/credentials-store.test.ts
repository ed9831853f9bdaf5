import { chmodSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialStore, credentialsPath, type StoredCredentials } from '../src/credentials/store.js';

const HOST = 'https://example.accounts.dev';
const entry = (over: Partial<StoredCredentials> = {}): StoredCredentials => ({
  clientToken: 'client_token_one',
  sessionId: 'sess_1',
  userId: 'user_1',
  email: 'ann@example.com',
  savedAt: '2026-11-26T00:00:00.000Z',
  ...over,
});
const freshStore = (): CredentialStore => new CredentialStore(join(mkdtempSync(join(tmpdir(), 'cim-store-')), 'clerk-invitations-mcp', 'credentials.json'));
const mode = (path: string): number => statSync(path).mode & 0o777;

describe('credentialsPath', () => {
  it('uses $XDG_CONFIG_HOME when it is absolute', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x/config', HOME: '/home/ann' })).toBe('/x/config/clerk-invitations-mcp/credentials.json');
  });

  it('falls back to ~/.config when XDG_CONFIG_HOME is unset or relative (the XDG spec ignores relative paths)', () => {
    expect(credentialsPath({ HOME: '/home/ann' })).toBe('/home/ann/.config/clerk-invitations-mcp/credentials.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/ann' })).toBe('/home/ann/.config/clerk-invitations-mcp/credentials.json');
  });
});

describe('CredentialStore', () => {
  it('keeps one entry per host, in a 0600 file inside a 0700 folder', () => {
    const store = freshStore();
    expect(store.get(HOST)).toBeUndefined();
    store.set(HOST, entry());
    store.set('https://clerk.other.com', entry({ clientToken: 'client_token_two' }));
    expect(store.get(HOST)).toEqual(entry());
    expect(store.get('https://clerk.other.com')?.clientToken).toBe('client_token_two');
    expect(mode(store.path)).toBe(0o600);
    expect(mode(join(store.path, '..'))).toBe(0o700);
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toMatchObject({ version: 1, hosts: { [HOST]: { clientToken: 'client_token_one', sessionId: 'sess_1', userId: 'user_1', email: 'ann@example.com' } } });
  });

  it('replaces the file atomically: a reader that opened the old file still reads it whole, and no temp file is left', () => {
    const store = freshStore();
    store.set(HOST, entry());
    const before = readFileSync(store.path, 'utf8');
    const fd = openSync(store.path, 'r');
    store.set(HOST, entry({ clientToken: 'client_token_rotated' }));
    const buffer = Buffer.alloc(before.length);
    readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
    // In-place rewriting would have changed what the open handle sees; a rename leaves it on the old file.
    expect(buffer.toString('utf8')).toBe(before);
    expect(store.get(HOST)?.clientToken).toBe('client_token_rotated');
    expect(readdirSync(join(store.path, '..'))).toEqual(['credentials.json']);
  });

  it('refuses a credentials file that others can read, saying how to fix it', () => {
    const store = freshStore();
    store.set(HOST, entry());
    chmodSync(store.path, 0o644);
    expect(() => store.get(HOST)).toThrow(`is accessible by other users (mode 644); it holds a Clerk client token. Fix it with: chmod 600 '${store.path}'`);
    chmodSync(store.path, 0o600);
    expect(store.get(HOST)?.clientToken).toBe('client_token_one');
  });

  it('refuses a folder that others can enter, saying how to fix it', () => {
    const store = freshStore();
    store.set(HOST, entry());
    const dir = join(store.path, '..');
    chmodSync(dir, 0o755);
    expect(() => store.get(HOST)).toThrow(`Fix it with: chmod 700 '${dir}'`);
    expect(() => store.set(HOST, entry())).toThrow('chmod 700');
  });

  it('says what to do with a damaged file', () => {
    const store = freshStore();
    mkdirSync(join(store.path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(store.path, '{"version":1,"hosts":', { mode: 0o600 });
    expect(() => store.get(HOST)).toThrow(/is damaged .*remove it and run clerk-invitations-mcp login again/);
    writeFileSync(store.path, '{"version":1,"hosts":{"h":{"clientToken":1}}}', { mode: 0o600 });
    expect(() => store.get('h')).toThrow(/not in the expected format/);
  });

  it('writes a rotated token back only while the entry is still the same sign-in', () => {
    const store = freshStore();
    store.set(HOST, entry());
    store.rotate(HOST, 'sess_1', 'client_token_rotated');
    expect(store.get(HOST)?.clientToken).toBe('client_token_rotated');
    // Someone signed in again meanwhile (another session): their token wins.
    store.set(HOST, entry({ sessionId: 'sess_2', clientToken: 'client_token_new_login' }));
    store.rotate(HOST, 'sess_1', 'client_token_stale');
    expect(store.get(HOST)?.clientToken).toBe('client_token_new_login');
    expect(store.get(HOST)?.savedAt).toBe('2026-11-26T00:00:00.000Z');
  });

  it('forgets a host', () => {
    const store = freshStore();
    store.set(HOST, entry());
    expect(store.delete(HOST)).toBe(true);
    expect(store.delete(HOST)).toBe(false);
    expect(store.get(HOST)).toBeUndefined();
  });

  it('treats "__proto__" as just another host name', () => {
    const store = freshStore();
    store.set('__proto__', entry());
    expect(store.get('__proto__')?.clientToken).toBe('client_token_one');
    expect(store.get('constructor')).toBeUndefined();
    expect(({} as Record<string, unknown>).clientToken).toBeUndefined();
  });
});
