import { open, rm, type FileHandle } from 'node:fs/promises';
import { tempPathBeside } from './lock.js';

/**
 * Writes `data` to a new private file (0600) beside `target`, synced to disk, and returns its path,
 * for the caller to rename over `target`: a crash then leaves the old file or the new one, never
 * half of one. On any failure the temp file is removed (it holds tokens) and the error thrown.
 */
export async function writePrivateTemp(target: string, data: Buffer): Promise<string> {
  const temp = tempPathBeside(target);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await writeAll(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes all of `data`: a write can be short (a full disk, a file size limit), and the rest must follow or fail. */
async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await handle.write(data, done, data.length - done);
    if (bytesWritten <= 0) throw new Error(`only ${done} of ${data.length} bytes could be written`);
    done += bytesWritten;
  }
}
