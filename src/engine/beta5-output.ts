import { isRecord } from '../json.js';
import { pathProblem } from './mapping.js';
import { outputFieldSchema, type OutputField, type OutputSpec } from './model.js';
import type { Doc, Problems } from './doc.js';

// An Ikanos tool's mapped output parameter, as the model's output: its type, mappings and fields,
// with this server's `x-schema` keywords over them.


/** The tool's one mapped output parameter: an object or a list (MCP structured content is an object). */
export function outputOf(raw: unknown, where: string, tool: string, extensionKey: string, problems: Problems): OutputSpec | undefined {
  const outputs = Array.isArray(raw) ? raw : [];
  if (outputs.length !== 1) {
    problems.push({ where, problem: 'exactly one output parameter is supported (this server returns it as structured content)' });
    return undefined;
  }
  const top = isRecord(outputs[0]) ? outputs[0] : {};
  const field = outputField(top, `${where}[0]`, extensionKey, problems);
  if (!field) return undefined;
  if (field.type !== 'object' && field.type !== 'array') {
    problems.push({ where: `${where}[0].type`, problem: 'the output must be an object or an array' });
    return undefined;
  }
  const extra = isRecord(top[extensionKey]) ? top[extensionKey] : {};
  return {
    name: typeof extra.name === 'string' ? extra.name : tool,
    type: field.type,
    value: field.mapping ?? '$.',
    ...(field.properties ? { properties: field.properties } : {}),
    ...(field.items ? { items: field.items } : {}),
  };
}

function outputField(raw: Doc, where: string, extensionKey: string, problems: Problems): OutputField | undefined {
  if (typeof raw.value === 'string') {
    problems.push({ where: `${where}.value`, problem: 'static output values are not supported yet: map the value from the answer' });
    return undefined;
  }
  if (typeof raw.mapping === 'string') {
    const wrong = pathProblem(raw.mapping);
    if (wrong) problems.push({ where: `${where}.mapping`, problem: wrong });
  }
  const properties: Record<string, OutputField> = {};
  for (const [name, property] of Object.entries(isRecord(raw.properties) ? raw.properties : {})) {
    const field = outputField(isRecord(property) ? property : {}, `${where}.properties.${name}`, extensionKey, problems);
    if (field) properties[name] = field;
  }
  const items = isRecord(raw.items) ? outputField(raw.items, `${where}.items`, extensionKey, problems) : undefined;
  const { [extensionKey]: extra, ...own } = raw;
  const candidate = {
    type: own.type,
    ...(typeof own.mapping === 'string' ? { mapping: own.mapping } : {}),
    ...(isRecord(own.properties) ? { properties } : {}),
    ...(items ? { items } : {}),
    ...(isRecord(extra) ? extra : {}),
  };
  const parsed = outputFieldSchema.safeParse(candidate);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => ({ where: `${where}${i.path.length ? `.${i.path.join('.')}` : ''}`, problem: i.message })));
    return undefined;
  }
  return parsed.data;
}
