import { settingsFromEnv } from '../../clerk/settings.js';
import { ConfigError } from '../../errors.js';
import type { Env } from '../../env.js';
import { isRecord } from '../../json.js';

/** What a client runs: the fields every client's stdio entry shares. */
export interface ServerEntry {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** The entry's env variables install writes (and removes when it no longer writes them); any other is the user's. */
export const INSTALL_ENV_KEYS: readonly string[] = ['CLERK_PUBLISHABLE_KEY', 'CLERK_FRONTEND_API_URL'];

/**
 * The entry to write over `current` (the entry as the config has it, if any): install's own fields
 * (command, args, the client's type, its env variables) from `written`; everything else the user
 * added (other env variables, `disabled`, `alwaysAllow`, …) as it was.
 */
export function mergedEntry(current: unknown, written: ServerEntry & Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!isRecord(current)) return { ...written };
  const theirEnv = isRecord(current.env) ? Object.fromEntries(Object.entries(current.env).filter(([key]) => !INSTALL_ENV_KEYS.includes(key))) : {};
  return { ...current, ...written, env: { ...theirEnv, ...written.env } };
}

/** What the entry is made of: this Node, this package's bin, the instance and the switches. */
export interface EntryOptions {
  /** The Node that runs the server (`process.execPath`). */
  readonly node: string;
  /** The absolute path of this package's `dist/index.js`. */
  readonly bin: string;
  /** The environment, with --publishable-key and --frontend-api-url applied. */
  readonly env: Env;
  readonly sandbox: boolean;
  readonly readOnly: boolean;
  readonly tools: readonly string[] | undefined;
}

/**
 * The entry for the server, and the Frontend API it will talk to (undefined with --sandbox). The
 * instance is checked as the server checks it at start, so that a mistyped key fails now, in the
 * terminal, rather than later as a server that does not start inside the client.
 */
export function serverEntry(options: EntryOptions): { readonly entry: ServerEntry; readonly frontendApi: string | undefined } {
  const args = [options.bin];
  if (options.sandbox) args.push('--sandbox');
  if (options.readOnly) args.push('--read-only');
  if (options.tools) args.push('--tools', options.tools.join(','));
  // The simulator needs no instance: a key set in this shell has no business in that entry.
  if (options.sandbox) return { entry: { command: options.node, args, env: {} }, frontendApi: undefined };

  const key = options.env.CLERK_PUBLISHABLE_KEY?.trim();
  const url = options.env.CLERK_FRONTEND_API_URL?.trim();
  if (!key && !url) {
    throw new ConfigError(
      'install needs your Clerk instance: pass --publishable-key pk_… (Clerk Dashboard, API keys page) or set CLERK_PUBLISHABLE_KEY, ' +
        'or pass --frontend-api-url <url>; or --sandbox to try the server without Clerk.',
    );
  }
  const env: Record<string, string> = {};
  if (key) env.CLERK_PUBLISHABLE_KEY = key;
  if (url) env.CLERK_FRONTEND_API_URL = url;
  // Only the two settings that go into the entry: the rest of this shell's environment stays out.
  const { baseUrl } = settingsFromEnv(env);
  return { entry: { command: options.node, args, env }, frontendApi: baseUrl };
}
