import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CredentialStore, credentialsPath, type StoredCredentials } from '../src/credentials/store.js';
import { command } from '../src/invocation.js';

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
  it('keeps one entry per host, in a 0600 file inside a 0700 folder', async () => {
    const store = freshStore();
    expect(store.get(HOST)).toBeUndefined();
    await store.set(HOST, entry());
    await store.set('https://clerk.other.com', entry({ clientToken: 'client_token_two' }));
    expect(store.get(HOST)).toEqual(entry());
    expect(store.get('https://clerk.other.com')?.clientToken).toBe('client_token_two');
    expect(mode(store.path)).toBe(0o600);
    expect(mode(join(store.path, '..'))).toBe(0o700);
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toMatchObject({ version: 1, hosts: { [HOST]: { clientToken: 'client_token_one', sessionId: 'sess_1', userId: 'user_1', email: 'ann@example.com' } } });
  });

  it('replaces the file atomically: a reader that opened the old file still reads it whole, and no temp file is left', async () => {
    const store = freshStore();
    await store.set(HOST, entry());
    const before = readFileSync(store.path, 'utf8');
    const fd = openSync(store.path, 'r');
    await store.set(HOST, entry({ clientToken: 'client_token_rotated' }));
    const buffer = Buffer.alloc(before.length);
    readSync(fd, buffer, 0, buffer.length, 0);
    closeSync(fd);
    // In-place rewriting would have changed what the open handle sees; a rename leaves it on the old file.
    expect(buffer.toString('utf8')).toBe(before);
    expect(store.get(HOST)?.clientToken).toBe('client_token_rotated');
    expect(readdirSync(join(store.path, '..'))).toEqual(['credentials.json']);
  });

  it('refuses a credentials file that others can read, saying how to fix it', async () => {
    const store = freshStore();
    await store.set(HOST, entry());
    chmodSync(store.path, 0o644);
    expect(() => store.get(HOST)).toThrow(`is accessible by other users (mode 644); it holds a Clerk client token. Fix it with: chmod 600 '${store.path}'`);
    chmodSync(store.path, 0o600);
    expect(store.get(HOST)?.clientToken).toBe('client_token_one');
  });

  it('refuses a folder that others can enter, saying how to fix it', async () => {
    const store = freshStore();
    await store.set(HOST, entry());
    const dir = join(store.path, '..');
    chmodSync(dir, 0o755);
    expect(() => store.get(HOST)).toThrow(`Fix it with: chmod 700 '${dir}'`);
    await expect(store.set(HOST, entry())).rejects.toThrow('chmod 700');
  });

  it('says what to do with a damaged file: move it aside, then sign in again', () => {
    const store = freshStore();
    mkdirSync(join(store.path, '..'), { recursive: true, mode: 0o700 });
    const advice = `Move it aside and sign in again, in a terminal: mv '${store.path}' '${store.path}.damaged' && ${command('login')}`;
    writeFileSync(store.path, '{"version":1,"hosts":', { mode: 0o600 });
    expect(() => store.get(HOST)).toThrow(`The credentials file ${store.path} is damaged (not valid JSON). ${advice}`);
    writeFileSync(store.path, '{"version":1,"hosts":{"h":{"clientToken":1}}}', { mode: 0o600 });
    expect(() => store.get('h')).toThrow(`The credentials file ${store.path} is damaged (not in the expected format). ${advice}`);
  });

  it("never quotes the damaged file's text, which may hold a token", () => {
    const store = freshStore();
    mkdirSync(join(store.path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(store.path, '{"version":1,"hosts":{"h":{"clientToken":client_token_unquoted}}}', { mode: 0o600 });
    expect(() => store.get('h')).toThrow('is damaged (not valid JSON).');
    expect(() => store.get('h')).not.toThrow('client_token');
  });

  it('refuses an empty client token as damage, for every host (9.19)', async () => {
    const store = freshStore();
    await store.set('https://other.example', entry());
    const file = JSON.parse(readFileSync(store.path, 'utf8')) as { hosts: Record<string, unknown> };
    file.hosts[HOST] = { ...entry(), clientToken: '' };
    writeFileSync(store.path, JSON.stringify(file), { mode: 0o600 });
    const damaged = `The credentials file ${store.path} is damaged (the entry for "${HOST}" has an empty client token). Move it aside`;
    expect(() => store.get(HOST)).toThrow(damaged);
    expect(() => store.get('https://other.example')).toThrow(damaged);
    await expect(store.set(HOST, entry())).rejects.toThrow(damaged);
  });

  it('writes a rotated token back only over the token it replaces', async () => {
    const store = freshStore();
    await store.set(HOST, entry());
    await store.rotate(HOST, 'client_token_one', 'client_token_rotated');
    expect(store.get(HOST)?.clientToken).toBe('client_token_rotated');
    // Someone signed in again meanwhile: their token wins over a rotation of the old one.
    await store.set(HOST, entry({ sessionId: 'sess_2', clientToken: 'client_token_new_login' }));
    await store.rotate(HOST, 'client_token_rotated', 'client_token_stale');
    expect(store.get(HOST)?.clientToken).toBe('client_token_new_login');
    expect(store.get(HOST)?.savedAt).toBe('2026-11-26T00:00:00.000Z');
  });

  it('follows a linked folder (dotfile managers link ~/.config entries) and checks the folder it points to', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cim-link-'));
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    mkdirSync(join(base, 'config'));
    symlinkSync(join(base, 'real'), join(base, 'config', 'clerk-invitations-mcp'));
    const store = new CredentialStore(join(base, 'config', 'clerk-invitations-mcp', 'credentials.json'));
    await store.set(HOST, entry());
    expect(store.get(HOST)?.clientToken).toBe('client_token_one');
    chmodSync(join(base, 'real'), 0o755);
    expect(() => store.get(HOST)).toThrow('chmod 700');
  });

  it('loses no update when two processes write at once (a lock around read, change, replace)', async () => {
    // The real module, built on its own, in two real processes writing 150 times each.
    const dir = mkdtempSync(join(tmpdir(), 'cim-lock-'));
    const module = join(dir, 'store.mjs');
    buildSync({ entryPoints: [join(import.meta.dirname, '../src/credentials/store.ts')], bundle: true, format: 'esm', platform: 'node', outfile: module, logLevel: 'silent' });
    const path = join(dir, 'config', 'credentials.json');
    const writer = (name: string) => `
      const { CredentialStore } = await import(${JSON.stringify(module)});
      const store = new CredentialStore(${JSON.stringify(path)});
      for (let i = 0; i < 150; i++) await store.set(${JSON.stringify(name)}, { clientToken: 't' + i, sessionId: 's', userId: 'u', email: undefined, savedAt: '' });`;
    const run = (name: string) => new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', writer(name)], { stdio: 'ignore' }).on('close', resolve));
    expect(await Promise.all([run('https://one.example'), run('https://two.example')])).toEqual([0, 0]);
    const store = new CredentialStore(path);
    expect([store.get('https://one.example')?.clientToken, store.get('https://two.example')?.clientToken]).toEqual(['t149', 't149']);
  });

  it('forgets a host', async () => {
    const store = freshStore();
    await store.set(HOST, entry());
    expect(await store.delete(HOST)).toBe(true);
    expect(await store.delete(HOST)).toBe(false);
    expect(store.get(HOST)).toBeUndefined();
  });

  it('treats "__proto__" as just another host name', async () => {
    const store = freshStore();
    await store.set('__proto__', entry());
    expect(store.get('__proto__')?.clientToken).toBe('client_token_one');
    expect(store.get('constructor')).toBeUndefined();
    expect(({} as Record<string, unknown>).clientToken).toBeUndefined();
  });
});
