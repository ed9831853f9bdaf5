import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';
import type { Env } from '../../env.js';
import type { ServerEntry } from './entry.js';

/** True when `path` is a file this user may run (on Windows, any file: the extension decides). */
export type IsExecutable = (path: string, platform: NodeJS.Platform) => boolean;

const isExecutableFile: IsExecutable = (path, platform) => {
  try {
    if (!statSync(path).isFile()) return false;
    if (platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Where `name` is found on PATH, as a shell would find it (with PATHEXT's extensions on Windows),
 * or undefined. Hand-written: Node has no `which`, and a package for a dozen lines is not worth it.
 */
export function findOnPath(name: string, env: Env, platform: NodeJS.Platform, isExecutable: IsExecutable = isExecutableFile): string | undefined {
  const path = platform === 'win32' ? win32 : posix;
  // Windows spells it Path; Node's env object finds either case there, a test's plain object does not.
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  for (const dir of dirs) {
    for (const extension of extensions) {
      const candidate = path.join(dir, name + extension.toLowerCase());
      if (isExecutable(candidate, platform)) return candidate;
    }
  }
  return undefined;
}

/** `claude mcp add` for this entry at user scope, as argv after `claude`. */
export function claudeAddArgs(name: string, entry: ServerEntry): string[] {
  // The name goes before --env: claude's --env takes several values and would swallow a name after it
  // (anthropics/claude-code#25490, #62332); `--` ends the list and starts the server's command line.
  const env = Object.entries(entry.env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  return ['mcp', 'add', '--scope', 'user', '--transport', 'stdio', name, ...env, '--', entry.command, ...entry.args];
}

/** `claude mcp add-json` for this name at user scope (the entry as ~/.claude.json holds it, every field kept), as argv after `claude`. */
export const claudeAddJsonArgs = (name: string, entry: unknown): string[] => ['mcp', 'add-json', '--scope', 'user', name, JSON.stringify(entry)];

/** `claude mcp remove` for this name at user scope, as argv after `claude`. */
export const claudeRemoveArgs = (name: string): string[] => ['mcp', 'remove', '--scope', 'user', name];

/** What a run of `claude` printed, and how it ended. */
export interface ClaudeRun {
  readonly code: number;
  readonly output: string;
}

/** Runs `claude` with these arguments (no shell: the arguments reach it exactly as given). */
export function runClaude(executable: string, args: readonly string[], env: Env): Promise<ClaudeRun> {
  return new Promise((resolve, reject) => {
    execFile(executable, args, { env, timeout: 60_000, windowsHide: true }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (!error) return resolve({ code: 0, output });
      if (typeof error.code === 'number') return resolve({ code: error.code, output });
      reject(error);
    });
  });
}
