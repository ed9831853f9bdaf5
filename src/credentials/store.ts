import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isRecord } from '../json.js';
import { ConfigError } from '../errors.js';
import { command, shellQuoted } from '../invocation.js';
import { acquireLock, LockHeldError, processIsAlive, type HeldLock } from './lock.js';
import { writePrivateTemp } from './private-file.js';
import type { Env } from '../env.js';

/** What `login` keeps for one Frontend API host. */
export interface StoredCredentials {
  readonly clientToken: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly email: string | undefined;
  /** ISO date of the sign-in (rotations keep it). */
  readonly savedAt: string;
  /** SHA-256 of the CLERK_SIGN_IN_TICKET this entry came from, so a restart does not spend it again. */
  readonly ticketSha256?: string;
}

interface StoreFile {
  version: 1;
  /** By Frontend API base URL (e.g. https://clerk.example.com). */
  hosts: Record<string, StoredCredentials>;
}

/** `$XDG_CONFIG_HOME/clerk-invitations-mcp/credentials.json`, else `~/.config/clerk-invitations-mcp/credentials.json`. */
export function credentialsPath(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  // The XDG spec ignores relative paths.
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME?.trim() || homedir(), '.config');
  return join(base, 'clerk-invitations-mcp', 'credentials.json');
}

// Permissions mean little on Windows; everywhere else they are what keeps the token private.
const CHECK_MODES = process.platform !== 'win32';

// A write whose lock was taken over (its holder judged stale) is applied again under a fresh lock,
// this many times at most.
const WRITE_ATTEMPTS = 3;

// The writes this process asked for, by file: each starts when the one before it has finished, so
// they land in the order asked (two rotations, in the order Clerk made them).
const queues = new Map<string, Promise<void>>();

/**
 * The credentials file: one entry per Frontend API host. Private (file 0600, folder 0700, owned by
 * the user), refused when it is not, and replaced atomically (temp file + rename) on every write.
 * Writes are asynchronous (a server writes rotated tokens back while it answers other calls);
 * reads are not, see get().
 */
export class CredentialStore {
  constructor(readonly path: string) {}

  /**
   * The entry for `host`, if any. Throws a ConfigError when the file is unsafe or unreadable.
   * Synchronous: the Clerk client asks for credentials through a synchronous callback before a
   * call, the file is a few KB (in the page cache once written), and a read does not wait for the
   * disk to flush as a write's fsync does.
   */
  get(host: string): StoredCredentials | undefined {
    const { hosts } = this.#read();
    return Object.hasOwn(hosts, host) ? hosts[host] : undefined;
  }

  /** Saves (or replaces) the entry for `host`; resolves with the entry it replaced, as read under the lock. */
  async set(host: string, credentials: StoredCredentials): Promise<StoredCredentials | undefined> {
    let replaced: StoredCredentials | undefined;
    await this.#update((file) => {
      // The last application is the one that lands (a lock taken over re-applies the change).
      replaced = Object.hasOwn(file.hosts, host) ? file.hosts[host] : undefined;
      file.hosts[host] = credentials;
      return file;
    });
    return replaced;
  }

  /**
   * Replaces the client token of the entry for `host` after Clerk rotated `previous` into
   * `clientToken`, if the entry still holds `previous`; true if it did (or holds `clientToken`
   * already: this write, landed before its lock was taken over). Only the current token is valid,
   * so an entry holding the token a request was sent with is the same sign-in, one step behind: the
   * rotation is its next step. Any other entry is newer (another process's rotation, a new login)
   * or older than what we sent (a lost write-back), and is left alone.
   */
  async rotate(host: string, previous: string | undefined, clientToken: string): Promise<boolean> {
    let rotated = false;
    if (clientToken.trim() === '' || previous === clientToken) return false;
    await this.#update((file) => {
      const entry = Object.hasOwn(file.hosts, host) ? file.hosts[host] : undefined;
      rotated = entry?.clientToken === clientToken;
      if (!entry || entry.clientToken !== previous) return undefined;
      file.hosts[host] = { ...entry, clientToken };
      rotated = true;
      return file;
    });
    return rotated;
  }

  /** Removes the entry for `host`; true if there was one. */
  async delete(host: string): Promise<boolean> {
    let found = false;
    await this.#update((file) => {
      // `||`: a second application (after a lock taken over) finds the entry gone by the first.
      found ||= Object.hasOwn(file.hosts, host);
      return Object.hasOwn(file.hosts, host) ? { version: 1, hosts: Object.fromEntries(Object.entries(file.hosts).filter(([name]) => name !== host)) } : undefined;
    });
    return found;
  }

  /** Settles once the writes this process has asked for on this file have finished (each reports its own outcome). */
  settled(): Promise<void> {
    return queues.get(queueKey(this.path)) ?? Promise.resolve();
  }

  /**
   * Read, change, replace, under a lock file: a server writing back a rotated token and a `login`
   * in a terminal must not each write the file as it was before the other's change.
   * `change` returns the new contents, or undefined for no change; it may be applied again, to the
   * file as it is then, when the lock was taken over while the write landed.
   */
  #update(change: (file: StoreFile) => StoreFile | undefined): Promise<void> {
    const key = queueKey(this.path);
    const write = (queues.get(key) ?? Promise.resolve()).then(() => this.#applyUnderLock(change));
    // Each caller gets its own outcome; the next write waits for this one either way.
    const done = write.catch(() => undefined);
    queues.set(key, done);
    void done.then(() => queues.get(key) === done && queues.delete(key));
    return write;
  }

  async #applyUnderLock(change: (file: StoreFile) => StoreFile | undefined): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.#checkDirectory(dir, await stat(dir));
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const lock = await this.#lock();
      try {
        const next = change(await this.#readNow());
        if (!next) return;
        await this.#removeOrphanedTemps(dir);
        if (await this.#write(next, lock)) return;
      } finally {
        await lock.release();
      }
    }
    throw new ConfigError(`Could not save the credentials file ${this.path}: other processes took its lock over (as stale) ${WRITE_ATTEMPTS} times while it was written, so it may or may not hold this change. Try again.`);
  }

  async #lock(): Promise<HeldLock> {
    try {
      return await acquireLock(`${this.path}.lock`);
    } catch (error) {
      throw new ConfigError(`Cannot lock the credentials file ${this.path}: ${reason(error)}${error instanceof LockHeldError ? `; nothing was written. If no ${command('login')} or server is writing it, remove ${this.path}.lock.` : ''}`, { cause: error });
    }
  }

  #read(): StoreFile {
    let stats: Stats;
    try {
      stats = lstatSync(this.path);
    } catch (error) {
      return this.#absent(error);
    }
    if (!stats.isFile()) throw new ConfigError(damaged(this.path, 'not a regular file'));
    const dir = dirname(this.path);
    this.#checkDirectory(dir, statSync(dir));
    this.#checkPrivate(this.path, stats, 0o600);
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw this.#unreadable(error);
    }
    return this.#parse(text);
  }

  /** #read, without blocking: for writes, under the lock. */
  async #readNow(): Promise<StoreFile> {
    let stats: Stats;
    try {
      stats = await lstat(this.path);
    } catch (error) {
      return this.#absent(error);
    }
    if (!stats.isFile()) throw new ConfigError(damaged(this.path, 'not a regular file'));
    const dir = dirname(this.path);
    this.#checkDirectory(dir, await stat(dir));
    this.#checkPrivate(this.path, stats, 0o600);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw this.#unreadable(error);
    }
    return this.#parse(text);
  }

  #absent(error: unknown): StoreFile {
    if (isNotFound(error)) return { version: 1, hosts: Object.create(null) as Record<string, StoredCredentials> };
    throw this.#unreadable(error);
  }

  #unreadable(error: unknown): ConfigError {
    return new ConfigError(`Cannot read the credentials file ${this.path}: ${reason(error)}`);
  }

  #parse(text: string): StoreFile {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not the parser's message (nor as a cause): it quotes the text around the fault, which may be a token.
      throw new ConfigError(damaged(this.path, 'not valid JSON'));
    }
    const hosts = parseHosts(parsed);
    if (typeof hosts === 'string') throw new ConfigError(damaged(this.path, hosts));
    return { version: 1, hosts };
  }

  #checkPrivate(path: string, stats: Stats, mode: number): void {
    if (!CHECK_MODES) return;
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) {
      throw new ConfigError(`${path} belongs to another user (uid ${stats.uid}): the Clerk client token must be yours alone. Remove it and run ${command('login')} again.`);
    }
    // Any permission for group or others is too loose: the file holds a token that acts as the user.
    if ((stats.mode & 0o077) !== 0) {
      const actual = (stats.mode & 0o777).toString(8).padStart(3, '0');
      throw new ConfigError(`${path} is accessible by other users (mode ${actual}); it holds a Clerk client token. Fix it with: chmod ${mode.toString(8)} ${shellQuoted(path)}`);
    }
  }

  /** The folder (`stats` followed if it is a link: dotfile managers link it): a private directory of the user's. */
  #checkDirectory(dir: string, stats: Stats): void {
    if (!stats.isDirectory()) throw new ConfigError(`${dir} is not a directory: remove it and run ${command('login')} again.`);
    this.#checkPrivate(dir, stats, 0o700);
  }

  /** Temp files of writers killed mid-write (their pid is in the name): each may hold a client token. */
  async #removeOrphanedTemps(dir: string): Promise<void> {
    const prefix = `${basename(this.path)}.`;
    for (const name of await readdir(dir)) {
      const pid = name.startsWith(prefix) ? TEMP_SUFFIX.exec(name.slice(prefix.length))?.[1] : undefined;
      if (pid !== undefined && !processIsAlive(Number(pid))) await rm(join(dir, name), { force: true });
    }
  }

  /** Replaces the file with `file`, if `lock` is still ours when it lands; false if it was not (taken over). */
  async #write(file: StoreFile, lock: HeldLock): Promise<boolean> {
    const data = Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
    // Written beside the target then renamed over it: a crash leaves the old file or the new one,
    // never half. On any failure the temp file goes (it holds tokens) and the old file stays.
    // Not write-file-atomic: it names temp files by a hash, so a dead writer's could not be told
    // by its pid and removed (see #removeOrphanedTemps), and its current major needs Node 22.
    let temp: string | undefined;
    try {
      temp = await writePrivateTemp(this.path, data);
      // Its new holder may be reading the file: this write must not land over its change.
      if (!(await lock.owns())) {
        await rm(temp, { force: true });
        return false;
      }
      await rename(temp, this.path);
    } catch (error) {
      if (temp !== undefined) await rm(temp, { force: true });
      throw new ConfigError(`Could not save the credentials file ${this.path} (${reason(error)}); it was left as it was. Make room on the disk if it is full, then try again.`, { cause: error });
    }
    // Taken over while it landed: the new holder may have read the file before it and will write
    // over it. The change is applied again, under a fresh lock.
    return lock.owns();
  }
}

// `<pid>.<8 hex>.tmp` after the credentials file's name: its temp files; `lock.<pid>.<8 hex>.tmp`:
// a lock set aside to be removed (see removeIfSame in lock.ts).
const TEMP_SUFFIX = /^(?:lock\.)?(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The entries of a parsed credentials file, or what is wrong with it. */
function parseHosts(value: unknown): Record<string, StoredCredentials> | string {
  if (!isRecord(value) || value.version !== 1 || !isRecord(value.hosts)) return 'not in the expected format';
  const hosts = Object.create(null) as Record<string, StoredCredentials>;
  for (const [host, entry] of Object.entries(value.hosts)) {
    if (!isRecord(entry) || typeof entry.clientToken !== 'string' || typeof entry.sessionId !== 'string' || typeof entry.userId !== 'string') return 'not in the expected format';
    // No sign-in yields an empty token; used, it would be sent as none and "redacted" everywhere.
    if (entry.clientToken.trim() === '') return `the entry for ${JSON.stringify(host)} has an empty client token`;
    hosts[host] = {
      clientToken: entry.clientToken,
      sessionId: entry.sessionId,
      userId: entry.userId,
      email: typeof entry.email === 'string' ? entry.email : undefined,
      savedAt: typeof entry.savedAt === 'string' ? entry.savedAt : '',
      ...(typeof entry.ticketSha256 === 'string' ? { ticketSha256: entry.ticketSha256 } : {}),
    };
  }
  return hosts;
}

/**
 * Why the file cannot be used, and the one fix: move it aside (it may hold other hosts' sign-ins)
 * and sign in again. Not "remove it", nor a bare "run login", which refuses the same file.
 */
function damaged(path: string, why: string): string {
  return `The credentials file ${path} is damaged (${why}). Move it aside and sign in again, in a terminal: mv ${shellQuoted(path)} ${shellQuoted(`${path}.damaged`)} && ${command('login')}`;
}

/** Quoted for a POSIX shell, so that the command in a message pastes as it is. */

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ENOENT';
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The one queue of writes for a file, however it is named: a linked folder names the same file, and
 * two queues for it would let this process take its own live lock for a dead one's (lock.ts).
 */
function queueKey(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return resolve(path);
  }
}
