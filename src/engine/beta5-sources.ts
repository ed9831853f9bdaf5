import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CapabilityProblem } from '../errors.js';
import { isRecord } from '../json.js';
import { schemaProblems } from './ikanos-schema.js';
import type { BindSpec } from './model.js';

// What an Ikanos file brings in from elsewhere: consumed adapters from shared files (`import`/
// `from`), and where its binds' values will come from.

type Doc = Record<string, unknown>;
type Problems = CapabilityProblem[];

const asRecord = (v: unknown): Doc => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Where a `from:` points: relative to the importing file, or a file:// URI. */
export function resolveLocation(location: string, file: string): string {
  if (/^file:\/\/\/\.\.?\//.test(location)) return resolve(dirname(file), location.slice('file:///'.length));
  if (/^file:\/\/\.\.?\//.test(location)) return resolve(dirname(file), location.slice('file://'.length));
  if (location.startsWith('file://')) return fileURLToPath(location);
  return isAbsolute(location) ? location : resolve(dirname(file), location);
}

/** The consumed adapter an `import:`/`from:` entry brings in, renamed by `as:`. */
export function importConsumes(entry: Doc, file: string, where: string, problems: Problems): Doc | undefined {
  const from = resolveLocation(String(entry.from), file);
  let doc: unknown;
  try {
    doc = parse(readFileSync(from, 'utf8'));
  } catch (error) {
    problems.push({ where: `${where}.from`, problem: `cannot read ${from} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    return undefined;
  }
  const inner = schemaProblems(doc);
  if (inner.length > 0) {
    problems.push(...inner.map((p) => ({ where: `${where}.from → ${from}${p.where ? ` at ${p.where}` : ''}`, problem: p.problem })));
    return undefined;
  }
  const found = list(asRecord(doc).consumes).find((c) => isRecord(c) && c.namespace === entry.import);
  if (!isRecord(found) || typeof found.from === 'string') {
    problems.push({ where: `${where}.import`, problem: `${from} has no consumes entry with namespace "${String(entry.import)}" (imports of imports are not followed)` });
    return undefined;
  }
  return typeof entry.as === 'string' ? { ...found, namespace: entry.as } : found;
}

/** Every bound key and where its value comes from. */
export function readBinds(doc: Doc, capability: Doc, file: string, problems: Problems): BindSpec[] {
  const binds = [...list(doc.binds).map((b, i) => [b, `binds[${i}]`] as const), ...list(capability.binds).map((b, i) => [b, `capability.binds[${i}]`] as const)];
  return binds.flatMap(([bind, where]) => {
    const b = asRecord(bind);
    if (typeof b.from === 'string') {
      problems.push({ where, problem: 'importing binds is not supported yet: declare them in this file' });
      return [];
    }
    const location = typeof b.location === 'string' ? b.location : undefined;
    if (location !== undefined && !location.startsWith('file://')) {
      problems.push({ where: `${where}.location`, problem: `${location.split('://')[0]}:// locations are not supported yet (file://, or none for the environment)` });
      return [];
    }
    const source = location ? resolveLocation(location, file) : undefined;
    return Object.entries(asRecord(b.keys)).map(([key, sourceKey]) => ({ key, sourceKey: String(sourceKey), ...(source ? { file: source } : {}) }));
  });
}
