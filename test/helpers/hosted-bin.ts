import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, baseEnv } from './cli.js';

// The built bin in hosted mode (and the sandbox command), started as a deployment starts them.

export interface Spawned {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  readonly exited: Promise<void>;
}

/** Spawns the built bin; resolves with the first match of `pattern` in its stdout or stderr. */
export async function spawnBin(args: readonly string[], env: Record<string, string>, pattern: RegExp, timeoutMs = 20_000): Promise<Spawned & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: the caller never gets the process to stop.
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: nothing matching ${pattern} within ${timeoutMs} ms:\n${seen.stderr}${seen.stdout}`));
    }, timeoutMs);
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].setEncoding('utf8').on('data', (chunk: string) => {
        seen[name] += chunk;
        const found = pattern.exec(seen[name]);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${child.exitCode ?? child.signalCode}):\n${seen.stderr}${seen.stdout}`));
    });
  });
  return { child, output: () => seen, exited, match };
}

/**
 * The environment and arguments of one hosted replica behind nginx at `publicUrl`, talking to the
 * sandbox's Frontend API (the OAuth issuer) directly and to its Backend API through `backendApiUrl`.
 */
export function replicaLaunch(publicUrl: string | undefined, sandboxUrl: string, backendApiUrl: string, secretKey: string): { args: string[]; env: Record<string, string> } {
  return {
    args: ['serve', '--http', '--hosted', '--port', '0'],
    env: {
      CLERK_SECRET_KEY: secretKey,
      CLERK_FRONTEND_API_URL: sandboxUrl,
      CLERK_BACKEND_API_URL: backendApiUrl,
      ...(publicUrl !== undefined && { CLERK_MCP_PUBLIC_URL: publicUrl }),
    },
  };
}

