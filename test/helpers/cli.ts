import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialStore, credentialsPath } from '../../src/credentials/store.js';

// The config folders below are made in the OS temp dir, which test/global-setup.ts points at a
// folder of this run that it removes afterwards.

/** The built bin (test/global-setup.ts builds it when it is missing or stale). */
export const BIN = join(import.meta.dirname, '../../dist/index.js');
/** A clean environment: nothing of the developer's own Clerk settings or stored sign-ins leaks into a test. */
export const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'cim-test-config-')) };

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh, private config folder, and the credential store the bin will use inside it. */
export function freshConfig(): { env: Record<string, string>; store: CredentialStore } {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'cim-cli-config-')) };
  return { env, store: new CredentialStore(credentialsPath(env)) };
}

/**
 * Runs the bin with `input` piped to stdin (each answer on its own line), asynchronously, so that a
 * sandbox or fake Clerk in this process keeps answering meanwhile.
 */
export function runCli(args: readonly string[], env: Record<string, string>, input = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A bin that exits before reading all its input closes the pipe: EPIPE there is not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
