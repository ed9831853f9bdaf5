import type { CapabilityProblem } from '../errors.js';
import { isRecord } from '../json.js';

// Small helpers for walking a parsed capability document, shared by the beta5 readers and the
// loader: one place for what each of them used to define alike.

/** A parsed YAML mapping. */
export type Doc = Record<string, unknown>;
/** The problems a reader collects (every one is reported, not only the first). */
export type Problems = CapabilityProblem[];

/** `v` when it is a mapping, otherwise an empty one. */
export const asRecord = (v: unknown): Doc => (isRecord(v) ? v : {});
/** `v`'s entries, each value as a mapping. */
export const entries = (v: unknown): [string, Doc][] => Object.entries(asRecord(v)).map(([k, x]) => [k, asRecord(x)]);
/** `v` when it is a list, otherwise an empty one. */
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A path of keys as a problem's place: `capability.consumes[0].resources`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}${out ? '.' : ''}${String(key)}`), '');
}

/** A JSON Pointer (`/capability/consumes/0`) as a problem's place. */
export const jsonPathOfPointer = (pointer: string): string =>
  jsonPath(
    pointer
      .split('/')
      .slice(1)
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, '/').replace(/~0/g, '~'))),
  );

/** Ikanos writes path placeholders `{{name}}`; the model (and alpha2) `{name}`. */
export const toModelPath = (path: string): string => path.replace(/\{\{\s*([A-Za-z0-9_-]+)\s*\}\}/g, '{$1}');
export const toIkanosPath = (path: string): string => path.replace(/\{([^{}]+)\}/g, '{{$1}}');
