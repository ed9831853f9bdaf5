import { parse, YAMLError } from 'yaml';
import { isRecord } from '../json.js';
import { schemaProblems } from './ikanos-schema.js';
import type { BindSpec } from './model.js';
import { FileProblem, locate, readSmallFile } from './capability-files.js';
import { asRecord, list, type Doc, type Problems } from './doc.js';

// What an Ikanos file brings in from elsewhere: consumed adapters from shared files (`import`/
// `from`), and where its binds' values will come from.



/** The consumed adapter an `import:`/`from:` entry brings in, renamed by `as:`. */
export function importConsumes(entry: Doc, file: string, where: string, problems: Problems): Doc | undefined {
  let from = String(entry.from);
  let doc: unknown;
  try {
    from = locate(from, file);
    doc = parse(readSmallFile(from));
  } catch (error) {
    // A yaml error (even "Excessive alias count", a ReferenceError) is the file's problem, not a crash.
    const problem = error instanceof FileProblem ? `cannot read ${from} (${error.reason})` : `${from} is not valid YAML (${error instanceof YAMLError ? error.code : error instanceof Error ? error.message : String(error)})`;
    problems.push({ where: `${where}.from`, problem });
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
    let source: string | undefined;
    try {
      source = location ? locate(location, file) : undefined;
    } catch (error) {
      problems.push({ where: `${where}.location`, problem: error instanceof FileProblem ? error.message : String(error) });
      // Its keys stay declared (the file is refused anyway): they are not reported again as undeclared.
      return Object.keys(asRecord(b.keys)).map((key) => ({ key, sourceKey: key, file: '' }));
    }
    return Object.entries(asRecord(b.keys)).map(([key, sourceKey]) => ({ key, sourceKey: String(sourceKey), ...(source ? { file: source } : {}) }));
  });
}
