import { closeSync, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The files a capability reads: itself, the adapters it imports, its binds' values. Each is a
// small regular file, and the ones it names stay inside its own folder.

/**
 * Largest file read: the bundled capability is about 10 KiB and the largest Ikanos example a few
 * dozen; a megabyte is far beyond any real capability, and small enough that reading and parsing
 * it cannot exhaust the process (a 45 MB file or /dev/zero could).
 */
export const MAX_CAPABILITY_FILE_BYTES = 1024 * 1024;

/** A file that cannot be used; `message` says why, in words for the file's author. */
export class FileProblem extends Error {
  override readonly name = 'FileProblem';
  constructor(
    message: string,
    options?: ErrorOptions,
    /** Why the system refused to open it (ENOENT, EACCES…), when it did. */
    readonly code?: string,
  ) {
    super(message, options);
  }

  /** Short words for "cannot read X (…)": the system's code, or the problem. */
  get reason(): string {
    return this.code ?? this.message;
  }
}

/** The text of a regular file of at most MAX_CAPABILITY_FILE_BYTES; throws a FileProblem otherwise. */
export function readSmallFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FileProblem(`cannot be read (${code})`, { cause: error }, code);
  }
  try {
    // fstat on the open descriptor: what is read is what was checked.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileProblem('is not a regular file');
    if (stat.size > MAX_CAPABILITY_FILE_BYTES) throw new FileProblem(`is ${stat.size} bytes, more than the ${MAX_CAPABILITY_FILE_BYTES} read`);
    const text = readFileSync(fd, 'utf8');
    // A file growing while read is cut at nothing: checked again.
    if (Buffer.byteLength(text) > MAX_CAPABILITY_FILE_BYTES) throw new FileProblem(`is more than the ${MAX_CAPABILITY_FILE_BYTES} bytes read`);
    return text;
  } finally {
    closeSync(fd);
  }
}

/**
 * Where a location in `file` points (`from:` or a bind's `location:`): relative to the file's
 * folder, or a file:// URI (`file:///./x` and `file://./x` are relative too). Throws a FileProblem
 * when it is not a usable file URI or leads out of the capability's folder.
 */
export function locate(location: string, file: string): string {
  let path: string;
  if (/^file:\/\/\/\.\.?\//.test(location)) path = resolve(dirname(file), location.slice('file:///'.length));
  else if (/^file:\/\/\.\.?\//.test(location)) path = resolve(dirname(file), location.slice('file://'.length));
  else if (location.startsWith('file://')) {
    try {
      path = fileURLToPath(location);
    } catch (error) {
      throw new FileProblem(`${location} is not a local file URI (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
  } else path = isAbsolute(location) ? location : resolve(dirname(file), location);
  checkInside(path, file);
  return path;
}

/**
 * Throws a FileProblem unless `path`, symbolic links followed, is inside the folder of `file`: a
 * capability reads its own files, never ~/.ssh or /etc through `from:`, `../` or a link.
 */
export function checkInside(path: string, file: string): void {
  const folder = real(dirname(resolve(file)));
  const target = real(path);
  const inside = relative(folder, target);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new FileProblem(`${path} is outside the capability's folder ${folder}${target !== resolve(path) ? ` (it leads to ${target})` : ''}: a capability reads only files beside it or below`);
  }
}

/** The path with every symbolic link resolved; of a path that does not exist, its nearest existing folder's. */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(resolve(path));
    return parent === resolve(path) ? parent : join(real(parent), basename(path));
  }
}
