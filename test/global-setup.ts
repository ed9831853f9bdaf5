// Vitest global setup: runs once per `vitest run`, in vitest's own process, before any test file.
//
// 1. A built bin that matches the sources. Many tests spawn dist/index.js (test/helpers/cli.ts,
//    raw-server.ts). `npm test` builds first, but `npx vitest run test/x.test.ts` does not: on a
//    fresh clone it would fail for want of dist/, and after an edit it would quietly test the old
//    bin. So the bin is rebuilt here whenever it is older than what it is built from (after
//    `npm test`'s own build it is fresh, and nothing happens).
// 2. Temp folders that go away. Tests make folders with mkdtempSync(tmpdir()) and leave them; here
//    the OS temp dir is pointed at one folder for this run, which the teardown removes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = 'dist/index.js';
/** What the bin is built from (scripts/build.mjs): a change to any of them makes the bin stale. */
const BUILD_INPUTS = ['src', 'scripts/build.mjs', 'package.json', 'package-lock.json'];
/** Where Node's os.tmpdir() looks: TMPDIR on POSIX, TEMP and TMP on Windows. */
const TEMP_VARIABLES = ['TMPDIR', 'TEMP', 'TMP'] as const;

/** Each input, and for a folder everything inside it, folders included. */
function pathsOf(root: string, input: string): string[] {
  const path = join(root, input);
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  // A folder's own mtime moves when a file in it is added, removed or renamed: a deleted source counts too.
  return [path, ...readdirSync(path, { recursive: true, encoding: 'utf8' }).map((entry) => join(path, entry))];
}

/** Why `dist/index.js` under `root` must be rebuilt, or undefined when it is newer than everything it is built from. */
export function staleReason(root: string): string | undefined {
  const bin = join(root, BIN);
  if (!existsSync(bin)) return `${BIN} is missing`;
  const builtAt = statSync(bin).mtimeMs;
  for (const input of BUILD_INPUTS) {
    const newer = pathsOf(root, input).find((path) => statSync(path).mtimeMs > builtAt);
    if (newer !== undefined) return `${relative(root, newer)} is newer than ${BIN}`;
  }
  return undefined;
}

function build(reason: string): void {
  process.stderr.write(`[global setup] ${reason}: building (node scripts/build.mjs)\n`);
  const run = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`the build failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`}); the tests need a built ${BIN}: fix it and run npm run build`);
}

/**
 * Points the OS temp dir at a new folder (inherited by the test workers, which vitest starts after
 * this setup) and returns what removes it and restores the previous temp dir.
 */
export function useRunTempFolder(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'cim-run-'));
  const previous = TEMP_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of TEMP_VARIABLES) process.env[name] = folder;
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    rmSync(folder, { recursive: true, force: true });
  };
}

export default function setup(): () => void {
  const reason = staleReason(ROOT);
  if (reason !== undefined) build(reason);
  return useRunTempFolder();
}
