/**
 * The credentials file's lock: a file beside it, created exclusively, holding its holder's pid.
 * Hand-written rather than proper-lockfile: that judges a lock only by its age (a crashed writer's
 * lock would hold up the next write for its whole stale time, where a dead pid lets it go at once),
 * keeps no pid, and takes a directory at the path older versions of this program open as a file.
 * Everything here is asynchronous: a writer waiting for the lock never holds up the event loop.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';

/** A lock older than this (by its mtime, which a live holder refreshes) is deemed left by a hung or dead holder. */
export const LOCK_STALE_MS = 5_000;
/** Well inside LOCK_STALE_MS, so that a busy event loop missing a refresh or two does not let the lock go stale. */
const LOCK_REFRESH_MS = 1_000;
const LOCK_POLL_MS = 10;
/** How long a writer waits for a holder that stays alive and keeps its lock fresh, before it reports it. */
export const LOCK_GIVE_UP_MS = 30_000;

/** A lock this process holds. */
export interface HeldLock {
  /** Whether the lock file at the path is still this one (not taken over as stale and replaced). */
  owns(): Promise<boolean>;
  /** Stops refreshing it and removes it, only if it is still this one. Never throws. */
  release(): Promise<void>;
}

/** The lock stayed held by a live holder that kept it fresh for LOCK_GIVE_UP_MS. */
export class LockHeldError extends Error {
  constructor(readonly holder: number | undefined) {
    super(`held by ${holder === undefined ? 'another process' : `process ${holder}`} for over ${LOCK_GIVE_UP_MS / 1000} s`);
    this.name = 'LockHeldError';
  }
}

/**
 * `${target}.<pid>.<8 hex>.tmp`: a temp file beside `target`. The pid lets a later writer remove it
 * when its maker died (see processIsAlive).
 */
export function tempPathBeside(target: string): string {
  return `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Whether `pid` may still be writing. A file or lock bearing this process's own pid, met while it
 * writes, is a leftover of an earlier process given the same pid: this process writes the file one
 * write at a time (the store's queue), and its own lock is removed before the next write starts.
 */
export function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return code(error) !== 'ESRCH';
  }
}

/**
 * Creates `lock`, waiting (asynchronously) while another holds it. A lock is taken over at once when
 * the pid in it is dead, and when it is older than LOCK_STALE_MS by its own mtime, whatever the pid:
 * its holder, alive, refreshes the mtime for as long as it holds it, so an old lock means a holder
 * that stopped (hung, frozen, or a pid reused by another program). Throws LockHeldError after
 * LOCK_GIVE_UP_MS of waiting for a holder that stays alive and fresh.
 */
export async function acquireLock(lock: string): Promise<HeldLock> {
  const started = Date.now();
  for (;;) {
    let handle: FileHandle;
    try {
      handle = await open(lock, 'wx', 0o600);
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
      const holder = await clearIfStale(lock);
      if (holder === 'cleared') continue;
      if (Date.now() - started >= LOCK_GIVE_UP_MS) throw new LockHeldError(holder.pid);
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      continue;
    }
    return hold(lock, handle);
  }
}

/**
 * The lock's identity is its file's (device, inode), kept by its open handle: while the handle is
 * open the inode cannot be reused, so a lock file at the path with another inode is another's.
 */
async function hold(lock: string, handle: FileHandle): Promise<HeldLock> {
  let identity: BigIntStats;
  try {
    identity = await handle.stat({ bigint: true });
  } catch (error) {
    // Without its identity it cannot be told from another's: left for a waiter to judge stale.
    await handle.close().catch(() => undefined);
    throw error;
  }
  const owns = async (): Promise<boolean> => {
    try {
      return sameFile(await stat(lock, { bigint: true }), identity);
    } catch {
      return false;
    }
  };
  try {
    await handle.writeFile(`${process.pid}\n`);
  } catch (error) {
    await removeIfSame(lock, identity).catch(() => undefined);
    await handle.close().catch(() => undefined);
    throw error;
  }
  // Through the handle, so that a lock taken over and replaced is never refreshed by mistake.
  let refreshing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const now = new Date();
    refreshing = refreshing.then(() => handle.utimes(now, now)).catch(() => undefined);
  }, LOCK_REFRESH_MS);
  timer.unref();
  return {
    owns,
    async release() {
      clearInterval(timer);
      await refreshing;
      // A lock taken over is its new holder's: never removed.
      if (await owns()) await removeIfSame(lock, identity).catch(() => undefined);
      await handle.close().catch(() => undefined);
    },
  };
}

/** Removes a stale lock (dead pid, or too old); else says who holds it. */
async function clearIfStale(lock: string): Promise<'cleared' | { pid: number | undefined }> {
  let handle: FileHandle;
  try {
    handle = await open(lock, 'r');
  } catch (error) {
    if (code(error) === 'ENOENT') return 'cleared';
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const pid = pidIn(await handle.readFile('utf8'));
    // No pid yet (just created): judged by its age alone.
    const stale = Date.now() - Number(stats.mtimeMs) > LOCK_STALE_MS || (pid !== undefined && !processIsAlive(pid));
    if (!stale) return { pid };
    await removeIfSame(lock, stats);
    return 'cleared';
  } finally {
    await handle.close();
  }
}

/**
 * Removes `lock` if it is the file `expected`: moved aside first (a rename is atomic), then
 * compared. Another writer may have taken over the same stale lock first and made its own; one
 * moved aside by mistake is linked back (never over a newer one). If that fails, its holder finds
 * at its next ownership check that it lost the lock, and writes again under a fresh one.
 */
async function removeIfSame(lock: string, expected: BigIntStats): Promise<void> {
  const aside = tempPathBeside(lock);
  try {
    await rename(lock, aside);
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    throw error;
  }
  try {
    if (!sameFile(await stat(aside, { bigint: true }), expected)) await link(aside, lock).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}

const sameFile = (a: BigIntStats, b: BigIntStats): boolean => a.dev === b.dev && a.ino === b.ino;

function pidIn(text: string): number | undefined {
  const pid = Number(text.trim());
  return text.trim() !== '' && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

const code = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;
