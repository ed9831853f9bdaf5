import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isRecord } from '../clerk/client.js';
import { ConfigError } from '../errors.js';
import { command } from '../invocation.js';

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

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/clerk-invitations-mcp/credentials.json`, else `~/.config/clerk-invitations-mcp/credentials.json`. */
export function credentialsPath(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  // The XDG spec ignores relative paths.
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME?.trim() || homedir(), '.config');
  return join(base, 'clerk-invitations-mcp', 'credentials.json');
}

// How long a writer waits for another's lock, and when a lock whose holder cannot be told (no pid
// in it) is deemed left by a dead process. A lock naming a dead process is taken over at once.
const LOCK_POLL_MS = 10;
const LOCK_STALE_MS = 2_000;

// Permissions mean little on Windows; everywhere else they are what keeps the token private.
const CHECK_MODES = process.platform !== 'win32';

/**
 * The credentials file: one entry per Frontend API host. Private (file 0600, folder 0700, owned by
 * the user), refused when it is not, and replaced atomically (temp file + rename) on every write.
 */
export class CredentialStore {
  constructor(readonly path: string) {}

  /** The entry for `host`, if any. Throws a ConfigError when the file is unsafe or unreadable. */
  get(host: string): StoredCredentials | undefined {
    const { hosts } = this.#read();
    return Object.hasOwn(hosts, host) ? hosts[host] : undefined;
  }

  /** Saves (or replaces) the entry for `host`. */
  set(host: string, credentials: StoredCredentials): void {
    this.#update((file) => {
      file.hosts[host] = credentials;
      return file;
    });
  }

  /**
   * Replaces the client token of the entry for `host` after Clerk rotated `previous` into
   * `clientToken`, if the entry still holds `previous`; true if it did. Only the current token is
   * valid, so an entry holding the token a request was sent with is the same sign-in, one step
   * behind: the rotation is its next step. Any other entry is newer (another process's rotation, a
   * new login) or older than what we sent (a lost write-back), and is left alone.
   */
  rotate(host: string, previous: string | undefined, clientToken: string): boolean {
    let rotated = false;
    if (clientToken.trim() === '') return false;
    this.#update((file) => {
      const entry = Object.hasOwn(file.hosts, host) ? file.hosts[host] : undefined;
      if (!entry || entry.clientToken !== previous || previous === clientToken) return undefined;
      file.hosts[host] = { ...entry, clientToken };
      rotated = true;
      return file;
    });
    return rotated;
  }

  /** Removes the entry for `host`; true if there was one. */
  delete(host: string): boolean {
    let found = false;
    this.#update((file) => {
      found = Object.hasOwn(file.hosts, host);
      return found ? { version: 1, hosts: Object.fromEntries(Object.entries(file.hosts).filter(([name]) => name !== host)) } : undefined;
    });
    return found;
  }

  /**
   * Read, change, replace, under a lock file: a server writing back a rotated token and a `login`
   * in a terminal must not each write the file as it was before the other's change.
   * `change` returns the new contents, or undefined for no change.
   */
  #update(change: (file: StoreFile) => StoreFile | undefined): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#checkDirectory(dir);
    const lock = `${this.path}.lock`;
    const fd = this.#lock(lock);
    try {
      const next = change(this.#read());
      if (next) {
        this.#removeOrphanedTemps(dir);
        this.#write(next);
      }
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }

  /** Creates the lock file holding this process's pid, so that a waiter can tell when its holder has died. */
  #lock(lock: string): number {
    for (let waited = 0; ; waited += LOCK_POLL_MS) {
      let fd: number;
      try {
        fd = openSync(lock, 'wx', 0o600);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'EEXIST') throw new ConfigError(`Cannot lock the credentials file ${this.path}: ${reason(error)}`);
        // A lock whose holder is gone (killed mid-write) is taken over at once; one whose pid is
        // not written yet, after a while: none is held that long. Two waiters taking over the same
        // dead lock at the same instant can both proceed; the lock's redesign closes that.
        if (waited >= LOCK_STALE_MS || lockHolderIsGone(lock)) rmSync(lock, { force: true });
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS);
        continue;
      }
      try {
        writeSync(fd, `${process.pid}\n`);
        return fd;
      } catch (error) {
        closeSync(fd);
        rmSync(lock, { force: true });
        throw new ConfigError(`Cannot lock the credentials file ${this.path}: ${reason(error)}`);
      }
    }
  }

  #read(): StoreFile {
    let stats: Stats;
    try {
      stats = lstatSync(this.path);
    } catch (error) {
      if (isNotFound(error)) return { version: 1, hosts: Object.create(null) as Record<string, StoredCredentials> };
      throw new ConfigError(`Cannot read the credentials file ${this.path}: ${reason(error)}`);
    }
    if (!stats.isFile()) throw new ConfigError(damaged(this.path, 'not a regular file'));
    this.#checkDirectory(dirname(this.path));
    this.#checkPrivate(this.path, stats, 0o600);
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw new ConfigError(`Cannot read the credentials file ${this.path}: ${reason(error)}`);
    }
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

  /** The folder, followed if it is a link (dotfile managers link it): a private directory of the user's. */
  #checkDirectory(dir: string): void {
    const stats = statSync(dir);
    if (!stats.isDirectory()) throw new ConfigError(`${dir} is not a directory: remove it and run ${command('login')} again.`);
    this.#checkPrivate(dir, stats, 0o700);
  }

  /** Temp files of writers killed mid-write (their pid is in the name): each may hold a client token. */
  #removeOrphanedTemps(dir: string): void {
    const prefix = `${basename(this.path)}.`;
    for (const name of readdirSync(dir)) {
      const pid = name.startsWith(prefix) ? TEMP_SUFFIX.exec(name.slice(prefix.length))?.[1] : undefined;
      if (pid !== undefined && !writerIsAlive(Number(pid))) rmSync(join(dir, name), { force: true });
    }
  }

  #write(file: StoreFile): void {
    const data = Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
    // Written beside the target then renamed over it: a crash leaves the old file or the new one,
    // never half. On any failure the temp file goes (it holds tokens) and the old file stays.
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        writeAll(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new ConfigError(`Could not save the credentials file ${this.path} (${reason(error)}); it was left as it was. Make room on the disk if it is full, then try again.`, { cause: error });
    }
  }
}

// `<pid>.<8 hex>.tmp`, after the credentials file's name: how #write names its temp files.
const TEMP_SUFFIX = /^(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Writes all of `data`: a write can be short (a full disk, a file size limit), and the rest must follow or fail. */
function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) {
    const written = writeSync(fd, data, done, data.length - done);
    if (written <= 0) throw new Error(`only ${done} of ${data.length} bytes could be written`);
    done += written;
  }
}

/**
 * Whether `pid` may still be writing. Writes are synchronous, so a file or lock bearing this
 * process's own pid while it is in #update is a leftover of an earlier process given the same pid.
 */
function writerIsAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as { code?: unknown }).code !== 'ESRCH';
  }
}

/** True if the lock names a process that no longer runs; false while it cannot tell (no pid yet, or the lock is gone). */
function lockHolderIsGone(lock: string): boolean {
  let text: string;
  try {
    text = readFileSync(lock, 'utf8');
  } catch {
    return false;
  }
  const pid = Number(text.trim());
  return text.trim() !== '' && Number.isSafeInteger(pid) && pid > 0 && !writerIsAlive(pid);
}

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
const shellQuoted = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

const isNotFound = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ENOENT';
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));
