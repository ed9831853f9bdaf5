import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CommandError } from '../../errors.js';

/** A config file as read: its exact bytes (kept for the backup) and its text. */
export interface ConfigFile {
  /** Where it is written: the file a symlink points to, so that the link survives. */
  readonly path: string;
  readonly bytes: Buffer | undefined;
  readonly text: string;
}

/** Reads the config file; absent is not an error (install creates it). */
export function readConfig(file: string): ConfigFile {
  if (!existsSync(file)) {
    // A dangling symlink (a dotfile manager's link whose target is not there yet) is not "no file":
    // writing would replace the link with a regular file.
    const target = danglingLinkTarget(file);
    if (target !== undefined) throw new CommandError(`${file} is a symbolic link to ${target}, which does not exist; nothing was changed. Create ${target} (it may hold just {}) or remove the link, and run again.`);
    return { path: file, bytes: undefined, text: '' };
  }
  try {
    // Dotfile managers keep configs as symlinks: write through the link, not over it.
    const path = realpathSync(file);
    const bytes = readFileSync(path);
    return { path, bytes, text: bytes.toString('utf8') };
  } catch (error) {
    throw new CommandError(`cannot read ${file} (${reason(error)}); nothing was changed.`, 1, { cause: error });
  }
}

function danglingLinkTarget(file: string): string | undefined {
  try {
    return lstatSync(file).isSymbolicLink() ? readlinkSync(file) : undefined;
  } catch {
    return undefined;
  }
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Writes `text` over the config, first saving the bytes it had as `<file>.<UTC time>.bak` (a new
 * name each time, so that an earlier backup is never overwritten), with the file's own mode:
 * configs hold other servers' tokens. The write is atomic (a temporary file in the same folder,
 * flushed, then renamed over it), so the client never reads half a file. Returns the backup's path.
 */
export function writeConfig(config: ConfigFile, text: string, now: Date): string | undefined {
  try {
    return replaceConfig(config, text, now);
  } catch (error) {
    // The rename is the only step that touches the file: before it, the file is as it was.
    throw new CommandError(`cannot write ${config.path} (${reason(error)}); the file was left as it was.`, 1, { cause: error });
  }
}

function replaceConfig(config: ConfigFile, text: string, now: Date): string | undefined {
  const { path, bytes } = config;
  // Hand-written rather than a package: a dozen lines of fs calls, and the mode must be kept.
  // A new file gets what the user's umask allows, as any editor would create it.
  const mode = bytes ? statSync(path).mode & 0o777 : undefined;
  if (!bytes) mkdirSync(dirname(path), { recursive: true });
  const backup = bytes ? backupConfig(config, now) : undefined;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeExclusive(temp, Buffer.from(text, 'utf8'), mode);
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already renamed: nothing to clean.
    }
    throw error;
  }
  return backup;
}

/** Saves the bytes the config had as `<file>.<UTC time>.bak`, with its mode; returns that path. */
export function backupConfig({ path, bytes }: ConfigFile, now: Date): string | undefined {
  if (!bytes) return undefined;
  return writeNew(`${path}.${now.toISOString().replace(/[:.]/g, '-')}.bak`, bytes, statSync(path).mode & 0o777);
}

// A name that exists already (two runs within a millisecond) gets a counter rather than overwriting it.
function writeNew(path: string, bytes: Buffer, mode: number): string {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? path : path.replace(/\.bak$/, `-${n}.bak`);
    try {
      writeExclusive(candidate, bytes, mode);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function writeExclusive(path: string, bytes: Buffer, mode: number | undefined): void {
  const fd = openSync(path, 'wx', mode ?? 0o666);
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The umask may have narrowed the mode given to open: a file that had one gets it back exactly.
  if (mode !== undefined) chmodSync(path, mode);
}
