import { parse } from 'yaml';
import type { Env } from '../env.js';
import { ConfigError } from '../errors.js';
import { isRecord } from '../json.js';
import type { AuthenticationSpec, Capability, OperationSpec, ServiceSpec } from './model.js';
import { checkInside, FileProblem, readSmallFile } from './capability-files.js';
import { fill, placeholders } from './template.js';

/** A capability with every `{{KEY}}` filled in, and the values that must never be shown. */
export interface BoundCapability {
  readonly capability: Capability;
  /** Every bound value used: redacted from errors and logs (values under 4 characters cannot be, without mangling every message). */
  readonly secrets: readonly string[];
}

/** Every bind placeholder the capability uses (not the arguments a body template takes). */
export function bindPlaceholders(capability: Capability): string[] {
  const texts = [
    ...(capability.services ?? []).flatMap((s) => [s.baseUri, ...authTexts(s.authentication)]),
    ...capability.operations.flatMap((op) => (op.fixed ?? []).map((f) => f.value)),
  ];
  const fromBodies = capability.operations.flatMap((op) => (op.bodyTemplate ? placeholders(op.bodyTemplate).filter((name) => !isArgument(op, name)) : []));
  return [...new Set([...texts.flatMap(placeholders), ...fromBodies])];
}

const authTexts = (auth: AuthenticationSpec | undefined): string[] => (!auth ? [] : auth.type === 'bearer' ? [auth.token] : [auth.value]);
const isArgument = (op: OperationSpec, name: string): boolean => op.inputParameters.some((p) => p.name === name);

/**
 * Fills every placeholder from its bind: a `file://` location's YAML (inside the capability's
 * folder), or the environment (a bind without location); a key no bind declares is never filled. Fails closed at
 * start: every placeholder without a value is named, with where it was looked for, never a value.
 */
export function resolveBinds(capability: Capability, env: Env): BoundCapability {
  const files = new Map<string, Record<string, unknown>>();
  const readFile = (file: string): Record<string, unknown> => {
    let cached = files.get(file);
    if (!cached) {
      try {
        // Checked again when read: a link put in place after loading leads nowhere either.
        checkInside(file, capability.file);
        const parsed: unknown = parse(readSmallFile(file));
        cached = isRecord(parsed) ? parsed : {};
      } catch (error) {
        // The file's text is not quoted: it holds secrets.
        const why = error instanceof FileProblem ? error.reason : 'not YAML';
        throw new ConfigError(`cannot read the binds file ${file} (${why}), named by ${capability.file}`, { cause: error });
      }
      files.set(file, cached);
    }
    return cached;
  };
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const key of bindPlaceholders(capability)) {
    const bind = capability.binds?.find((b) => b.key === key);
    // Only what a bind declares is read: a capability cannot pick any environment variable.
    const raw = !bind ? undefined : bind.file ? readFile(bind.file)[bind.sourceKey] : env[bind.sourceKey];
    const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : typeof raw === 'string' ? raw : undefined;
    if (value === undefined || value.trim() === '') missing.push(!bind ? `${key} (no bind declares it)` : bind.file ? `${key} (key "${bind.sourceKey}" of ${bind.file})` : `${key} (environment variable ${bind.sourceKey})`);
    else values.set(key, value);
  }
  if (missing.length > 0) throw new ConfigError(`${capability.file} needs a value for ${missing.join(', ')}: set it before starting the server`);

  const put = (text: string): string => fill(text, (name) => values.get(name));
  const services = (capability.services ?? []).map((s): ServiceSpec => ({ ...s, baseUri: put(s.baseUri), ...(s.authentication ? { authentication: bindAuth(s.authentication, put) } : {}) }));
  const operations = capability.operations.map((op): OperationSpec => ({
    ...op,
    ...(op.fixed ? { fixed: op.fixed.map((f) => ({ ...f, value: put(f.value) })) } : {}),
    // In a JSON body, a bound value is string content: escaped like one.
    ...(op.bodyTemplate ? { bodyTemplate: fill(op.bodyTemplate, (name) => (isArgument(op, name) ? undefined : escapeJson(values.get(name)))) } : {}),
  }));
  // The credentials are secrets even when written in the file itself, not bound.
  const credentials = services.flatMap((s) => authTexts(s.authentication));
  return { capability: { ...capability, services, operations }, secrets: [...new Set([...values.values(), ...credentials])].filter((v) => v.length >= 4) };
}

const escapeJson = (value: string | undefined): string | undefined => (value === undefined ? undefined : JSON.stringify(value).slice(1, -1));

function bindAuth(auth: AuthenticationSpec, put: (text: string) => string): AuthenticationSpec {
  return auth.type === 'bearer' ? { ...auth, token: put(auth.token) } : { ...auth, value: put(auth.value) };
}
