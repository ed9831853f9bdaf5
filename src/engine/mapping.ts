import { isRecord } from '../json.js';
import type { OutputField, OutputSpec } from './model.js';

// Output mappings are JSONPath, in a documented subset written here rather than a library: the
// capability's mappings only ever name a place (`$.a.b[0]`), and a full JSONPath engine (filters,
// scripts, recursive descent) would be more code to trust than these lines. Supported: `$` or
// `$.` (the value itself), `.name` segments (letters, digits, `_`, `-`), `['name']` and `[n]`
// indexes. Anything else is refused when the capability is loaded (pathProblem).

type Segment = string | number;

const SEGMENT = /\.([A-Za-z0-9_-]+)|\['([^'\\]+)'\]|\[(\d+)\]/y;

/** The segments of a supported JSONPath, or undefined when it is not one. */
function segments(path: string): Segment[] | undefined {
  if (path === '$' || path === '$.') return [];
  if (!path.startsWith('$')) return undefined;
  const out: Segment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const at = SEGMENT.lastIndex;
    const match = SEGMENT.exec(path);
    if (!match || match.index !== at) return undefined;
    out.push(match[3] !== undefined ? Number(match[3]) : (match[1] ?? match[2] ?? ''));
  }
  return out;
}

/** Why `path` cannot be used as a mapping, or undefined when it can. */
export function pathProblem(path: string): string | undefined {
  return segments(path) ? undefined : `"${path}" is not a supported JSONPath: use $, $.name.other, $.list[0] or $['odd name'] (no wildcards, filters or ..)`;
}

/** The value at `path` in `root`; undefined where nothing is. Own fields only: `$.__proto__` finds nothing. */
export function select(root: unknown, path: string): unknown {
  let node = root;
  for (const segment of segments(path) ?? []) {
    if (typeof segment === 'number') node = Array.isArray(node) ? node[segment] : undefined;
    else node = isRecord(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Whether any field below (or at) `field` says where its value comes from. */
export function hasMappings(field: Pick<OutputField, 'mapping' | 'properties' | 'items'>): boolean {
  return field.mapping !== undefined || Object.values(field.properties ?? {}).some(hasMappings) || (field.items !== undefined && hasMappings(field.items));
}

/**
 * Builds a value from `node` as Ikanos' mapped output parameters say: a field with a mapping takes
 * the value at that path (relative to the enclosing value), one without stays on the enclosing
 * value (an object that groups fields of its parent); an object's named properties are all it
 * keeps, unless it names none (then the value passes as it is); an array maps each item.
 */
export function mapField(field: Pick<OutputField, 'type' | 'mapping' | 'properties' | 'items'>, node: unknown): unknown {
  const value = field.mapping !== undefined ? select(node, field.mapping) : node;
  if (value === undefined || value === null) return value;
  if (field.type === 'object' && field.properties && Object.keys(field.properties).length > 0) {
    if (!isRecord(value)) return value;
    const entries = Object.entries(field.properties).flatMap(([name, property]) => {
      const mapped = mapField(property, value);
      return mapped === undefined ? [] : [[name, mapped] as const];
    });
    return Object.fromEntries(entries);
  }
  if (field.type === 'array' && field.items && Array.isArray(value)) {
    const items = field.items;
    return value.map((item: unknown) => mapField(items, item));
  }
  return value;
}

/** What went wrong shaping an answer: the answer's payload is not what the output says. */
export class UnexpectedShape extends Error {
  override readonly name = 'UnexpectedShape';
}

/**
 * Applies a tool's output to an answer and gives every list one shape, `{ data, total_count }`
 * (MCP's structured content is an object). A list may come bare or as `{ data, total_count }`.
 */
export function shapeAnswer(output: OutputSpec, answer: unknown): Record<string, unknown> {
  const mapped = hasMappings({ properties: output.properties, items: output.items }) ? mapField({ ...output, mapping: output.value }, answer) : select(answer, output.value);
  if (output.type === 'array') {
    if (Array.isArray(mapped)) return { data: mapped, total_count: mapped.length };
    if (isRecord(mapped) && Array.isArray(mapped.data)) {
      const data = output.items && hasMappings(output.items) ? mapped.data.map((item: unknown) => mapField(output.items as OutputField, item)) : mapped.data;
      return { data, total_count: typeof mapped.total_count === 'number' ? mapped.total_count : mapped.data.length };
    }
    throw new UnexpectedShape(`expected a list at ${output.value}`);
  }
  if (!isRecord(mapped)) throw new UnexpectedShape(`expected an object at ${output.value}`);
  return mapped;
}
