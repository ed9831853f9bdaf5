import { ConfigError, UsageError } from '../errors.js';
import type { Env } from '../env.js';

/** A flag's value, trimmed; a blank one is refused. */
export function nonEmpty(flag: string, value: string): string {
  const v = value.trim();
  if (!v) throw new UsageError(`${flag} needs a value. See --help.`);
  return v;
}

/** `--port`: a whole number from 0 to 65535. */
export function parsePort(raw: string): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port > 65_535) throw new UsageError(`--port must be a port number (0 to 65535), not '${raw}'.`);
  return port;
}

// `--tools a,b --tools c`: commas and repeats both work; blanks are dropped (an empty list is refused later).
export const splitNames = (lists: readonly string[]): string[] => lists.flatMap((list) => list.split(',')).map((name) => name.trim()).filter(Boolean);

/** An on/off variable. A safety switch must not be misread, so a value that is neither is refused. */
export function envSwitch(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true/false, yes/no, on/off)`);
}
