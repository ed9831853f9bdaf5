import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialStore, type StoredCredentials } from '../src/credentials/store.js';
import { LOCK_STALE_MS } from '../src/credentials/lock.js';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { freshConfig, runCli } from './helpers/cli.js';
import { callTool, initialize, startRawServer } from './helpers/raw-server.js';

// The lock of issue 10.5: writers wait without blocking the event loop, a lock is judged stale by
// its own age (or a dead pid), and a holder never removes a lock that is no longer its own.

const entry = (token: string): StoredCredentials => ({ clientToken: token, sessionId: 'sess_1', userId: 'user_1', email: undefined, savedAt: '' });
const freshStore = (): CredentialStore => new CredentialStore(join(mkdtempSync(join(tmpdir(), 'cim-lock-')), 'config', 'credentials.json'));
const folder = (store: CredentialStore): string[] => readdirSync(join(store.path, '..')).sort();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// Catches a write held up for the waiter's own 2 s (the old rule) or a lock's full stale age; not a speed target.
const STALL_MS = 1_000;

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Runs `node -e script` (an ES module); resolves once it has written `word` on stdout. */
async function childSaying(script: string, word: string): Promise<{ child: ChildProcessWithoutNullStreams; said: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let said = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')).includes(word) && resolve());
    void exited.then(() => reject(new Error(`the child ended without saying ${word}: ${said} ${stderr}`)));
  });
  return { child, said: () => said, exited };
}

/** Resolves once `read()` includes `word`. */
async function until(read: () => string, word: string): Promise<void> {
  for (const started = Date.now(); !read().includes(word); await sleep(10)) {
    if (Date.now() - started > 10_000) throw new Error(`never said ${word}: ${read()}`);
  }
}

/** A process that stays alive (its pid is a live holder's), doing nothing. */
async function liveProcess(): Promise<number> {
  const { child } = await childSaying(`process.stdout.write('up'); setTimeout(() => {}, 60_000);`, 'up');
  return child.pid!;
}

/** The real store module, built on its own, for child processes. */
function buildStore(): string {
  const module = join(mkdtempSync(join(tmpdir(), 'cim-lock-module-')), 'store.mjs');
  buildSync({ entryPoints: [join(import.meta.dirname, '../src/credentials/store.ts')], bundle: true, format: 'esm', platform: 'node', outfile: module, logLevel: 'silent' });
  return module;
}

describe('a writer waiting for the lock', () => {
  it('keeps the event loop turning while another process holds the lock for 1 s', async () => {
    const store = freshStore();
    await store.set('https://one.example', entry('client_token_one'));
    const lock = `${store.path}.lock`;
    // A real holder: creates the lock with its pid, as a writer does, and removes it 1 s later.
    await childSaying(
      `import fs from 'node:fs';
      fs.writeFileSync(${JSON.stringify(lock)}, process.pid + '\\n', { flag: 'wx', mode: 0o600 });
      process.stdout.write('locked');
      setTimeout(() => fs.rmSync(${JSON.stringify(lock)}), 1000);`,
      'locked',
    );
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 10);
    try {
      const started = Date.now();
      const writing = store.set('https://two.example', entry('client_token_two'));
      const ticksWhenAsked = ticks;
      await writing;
      // It waited for the live holder (no takeover of a fresh lock); the holder's 1 s started before
      // "locked" was read, so on a busy machine less of it is left to see.
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      // ...and timers ran meanwhile: about 100 ticks in 1 s; a blocked loop gets none.
      expect(ticks - ticksWhenAsked).toBeGreaterThanOrEqual(20);
    } finally {
      clearInterval(ticking);
    }
    expect([store.get('https://one.example')?.clientToken, store.get('https://two.example')?.clientToken]).toEqual(['client_token_one', 'client_token_two']);
    expect(folder(store)).toEqual(['credentials.json']);
  });

  it('takes over at once a lock older than its stale age, even when the pid in it is alive', async () => {
    const store = freshStore();
    await store.set('https://one.example', entry('client_token_one'));
    const lock = `${store.path}.lock`;
    // E.g. a holder frozen (stopped, or hung without its event loop), or a pid since reused.
    writeFileSync(lock, `${await liveProcess()}\n`, { mode: 0o600 });
    const old = new Date(Date.now() - LOCK_STALE_MS - 5_000);
    utimesSync(lock, old, old);
    const started = Date.now();
    await store.set('https://two.example', entry('client_token_two'));
    expect(Date.now() - started).toBeLessThan(STALL_MS);
    expect(store.get('https://two.example')?.clientToken).toBe('client_token_two');
    expect(folder(store)).toEqual(['credentials.json']);
  });

  it("waits for a live holder's lock until the lock itself is stale: judged by its age, not by how long the writer has waited", async () => {
    const store = freshStore();
    await store.set('https://one.example', entry('client_token_one'));
    const lock = `${store.path}.lock`;
    writeFileSync(lock, `${await liveProcess()}\n`, { mode: 0o600 });
    // Stale in 1.5 s: a writer waiting out a stale age of its own would wait LOCK_STALE_MS.
    const aged = new Date(Date.now() - LOCK_STALE_MS + 1_500);
    utimesSync(lock, aged, aged);
    const started = Date.now();
    await store.set('https://two.example', entry('client_token_two'));
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(LOCK_STALE_MS - 1_000);
    expect(store.get('https://two.example')?.clientToken).toBe('client_token_two');
  });
});

describe('a holder', () => {
  /**
   * A child writing `host` through the real store, whose first replacing of the credentials file
   * stops (its event loop blocked, as a frozen process's) until the file `go` exists; it says
   * `paused`, then `renamed` once the file is replaced, then `done`.
   */
  const pausedWriter = (module: string, path: string, go: string, host: string): string => `
    import fs from 'node:fs';
    import fsp from 'node:fs/promises';
    import { syncBuiltinESMExports } from 'node:module';
    let first = true;
    const pause = (to) => {
      if (to !== ${JSON.stringify(path)} || !first) return;
      first = false;
      process.stdout.write('paused\\n');
      while (!fs.existsSync(${JSON.stringify(go)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    };
    const said = (to) => to === ${JSON.stringify(path)} && process.stdout.write('renamed\\n');
    const renameSync = fs.renameSync;
    const rename = fsp.rename;
    fs.renameSync = (from, to) => (pause(to), renameSync(from, to), said(to));
    fsp.rename = async (from, to) => (pause(to), await rename(from, to), said(to));
    syncBuiltinESMExports();
    const { CredentialStore } = await import(${JSON.stringify(module)});
    await new CredentialStore(${JSON.stringify(path)}).set(${JSON.stringify(host)}, ${JSON.stringify(entry(`client_token_of_${host}`))});
    process.stdout.write('done\\n');`;

  it("whose lock was taken over leaves the new holder's lock alone, and applies its change again under a fresh lock", async () => {
    const store = freshStore();
    await store.set('https://one.example', entry('client_token_one'));
    const lock = `${store.path}.lock`;
    const module = buildStore();
    const signals = mkdtempSync(join(tmpdir(), 'cim-go-'));
    const [goA, goB] = [join(signals, 'a'), join(signals, 'b')];
    // A holds the lock and stops just before its file lands; its lock ages meanwhile (as a frozen process's would).
    const a = await childSaying(pausedWriter(module, store.path, goA, 'https://a.example'), 'paused');
    const old = new Date(Date.now() - LOCK_STALE_MS - 5_000);
    utimesSync(lock, old, old);
    // B takes the stale lock over and stops at the same point.
    const b = await childSaying(pausedWriter(module, store.path, goB, 'https://b.example'), 'paused');
    const held = statSync(lock);
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(b.child.pid));
    // A resumes: its file lands; the lock it finds is B's, which it must not remove.
    writeFileSync(goA, '');
    await until(a.said, 'renamed');
    await sleep(300);
    expect(existsSync(lock)).toBe(true);
    expect(statSync(lock).ino).toBe(held.ino);
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(b.child.pid));
    expect(a.said()).not.toContain('done');
    // B lands its file, read before A's landed: without A's entry. A, applying its change again, puts it back.
    writeFileSync(goB, '');
    expect(await b.exited).toBe(0);
    expect(await a.exited).toBe(0);
    expect(['one', 'a', 'b'].map((name) => store.get(`https://${name}.example`)?.clientToken)).toEqual(['client_token_one', 'client_token_of_https://a.example', 'client_token_of_https://b.example']);
    expect(folder(store)).toEqual(['credentials.json']);
  });

  it('that stays alive keeps its lock fresh, so a long write is not taken over', async () => {
    const store = freshStore();
    await store.set('https://one.example', entry('client_token_one'));
    const module = buildStore();
    // Its file lands only after longer than the stale age; its event loop is free meanwhile.
    const { said, exited } = await childSaying(
      `import fsp from 'node:fs/promises';
      import { syncBuiltinESMExports } from 'node:module';
      const rename = fsp.rename;
      fsp.rename = async (from, to) => {
        if (to === ${JSON.stringify(store.path)}) {
          process.stdout.write('slow\\n');
          await new Promise((resolve) => setTimeout(resolve, ${LOCK_STALE_MS + 1_500}));
        }
        return rename(from, to);
      };
      syncBuiltinESMExports();
      const { CredentialStore } = await import(${JSON.stringify(module)});
      await new CredentialStore(${JSON.stringify(store.path)}).set('https://slow.example', ${JSON.stringify(entry('client_token_slow'))});
      process.stdout.write('done\\n');`,
      'slow',
    );
    const started = Date.now();
    await store.set('https://two.example', entry('client_token_two'));
    // It waited for the slow holder rather than taking its lock over and being overwritten by it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_STALE_MS);
    expect(said()).toContain('done');
    expect(await exited).toBe(0);
    expect(['one', 'slow', 'two'].map((name) => store.get(`https://${name}.example`)?.clientToken)).toEqual(['client_token_one', 'client_token_slow', 'client_token_two']);
    expect(folder(store)).toEqual(['credentials.json']);
  }, 20_000);
});

describe("one process's writes", () => {
  it('land in the order they were asked, even when a later one could take the lock first', async () => {
    const store = freshStore();
    await store.set('https://one.example', entry('T0'));
    const lock = `${store.path}.lock`;
    writeFileSync(lock, `${await liveProcess()}\n`, { mode: 0o600 });
    // Two rotations in Clerk's order; the first waits for the lock, which is free by the time the second is asked.
    const first = store.rotate('https://one.example', 'T0', 'T1');
    await sleep(100);
    rmSync(lock, { force: true });
    const second = store.rotate('https://one.example', 'T1', 'T2');
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(store.get('https://one.example')?.clientToken).toBe('T2');
  });
});

describe('the server', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('writes back a rotated token still waiting for the lock before it exits', async () => {
    sandbox = await startSandbox();
    const { env, store } = freshConfig();
    expect((await runCli(['login', '--frontend-api-url', sandbox.url, '--ticket', sandbox.issueSignInTicket()], env)).code).toBe(0);
    const before = store.get(sandbox.url)?.clientToken;
    // Held by a live process (this one), so that the write-back is still waiting when stdin ends.
    const lock = `${store.path}.lock`;
    writeFileSync(lock, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
    const server = startRawServer({ ...env, CLERK_FRONTEND_API_URL: sandbox.url });
    await initialize(server);
    // A write: the sandbox rotates the client token in its answer.
    server.send(callTool(1, 'createOrganizationInvitations', { organization_id: 'org_sandbox', email_address: 'exit@example.com', role: 'org:member' }));
    expect((await server.answer(1)).result?.isError).toBeFalsy();
    server.child.stdin.end();
    await sleep(500);
    rmSync(lock, { force: true });
    expect(await server.exited).toBe(0);
    const after = store.get(sandbox.url)?.clientToken;
    expect(after).not.toBe(before);
    // The saved token is the one Clerk holds now: a fresh command is accepted with it.
    const whoami = await runCli(['whoami', '--frontend-api-url', sandbox.url], env);
    expect(whoami.stderr).toBe('');
    expect(whoami.code).toBe(0);
  });
});

describe('one process writing one file under two names', () => {
  it('(a linked folder) queues the writes as one: none is lost, as none takes its own live lock for a dead one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cim-alias-'));
    mkdirSync(join(root, 'real'), { mode: 0o700 });
    symlinkSync(join(root, 'real'), join(root, 'alias'));
    const direct = new CredentialStore(join(root, 'real', 'credentials.json'));
    const linked = new CredentialStore(join(root, 'alias', 'credentials.json'));
    const hosts = Array.from({ length: 40 }, (_, i) => `https://host${i}.example`);
    await Promise.all(hosts.map((host, i) => (i % 2 ? linked : direct).set(host, entry(`client_token_${i}`))));
    expect(hosts.filter((host) => direct.get(host) === undefined)).toEqual([]);
  });
});

