import { EXTENSION_KEY } from './ikanos-schema.js';
import { hasMappings } from './mapping.js';
import type { Capability, OperationSpec, OutputField, ParameterSpec } from './model.js';
import { toIkanosPath } from './doc.js';

// Writes the model back as an Ikanos 1.0.0-beta5 document: how an alpha2 capability is carried to
// the current format (src/engine/clerk-frontend-api-invitations.ikanos.yml was written so), and
// the other half of the loader's round-trip test. What the format has no word for goes in
// `x-schema` (engine/ikanos-schema.ts).

/** The consumed namespace of an alpha2 capability, which the model does not keep: Clerk's, as alpha2 files are Clerk's. */
export const ALPHA2_NAMESPACE = 'clerk-frontend-api';
// The Clerk profile takes its host from the publishable key; the format wants a URL all the same.
const PLACEHOLDER_URI_FOR_CLERK = 'https://clerk.example.com';

export interface SerialiseOptions {
  /** The exposes entry's namespace (argument references in `with:` are `<namespace>.<argument>`). */
  readonly toolsNamespace?: string;
}

const PARAMETER_KEYS = new Set(['name', 'in', 'target', 'type', 'description', 'required']);
// Kept by the format itself, or by the output parameter (name, value): not repeated in x-schema.
const FIELD_KEYS = new Set(['type', 'mapping', 'properties', 'items', 'required', 'nullable', 'enum', 'description', 'name', 'value']);

/** The capability as a beta5 document (plain data, ready for YAML). */
export function toBeta5(capability: Capability, { toolsNamespace = 'tools' }: SerialiseOptions = {}): Record<string, unknown> {
  const namespaceOf = (op: OperationSpec): string => op.service ?? ALPHA2_NAMESPACE;
  const namespaces = [...new Set(capability.operations.map(namespaceOf))];
  const consumes = namespaces.map((namespace) => {
    const service = capability.services?.find((s) => s.namespace === namespace);
    const ops = capability.operations.filter((op) => namespaceOf(op) === namespace);
    const paths = [...new Set(ops.map((op) => op.path))];
    return {
      namespace,
      type: 'http',
      baseUri: service?.baseUri ?? PLACEHOLDER_URI_FOR_CLERK,
      ...(service?.authentication ? { authentication: service.authentication } : {}),
      resources: Object.fromEntries(
        paths.map((path, i) => [
          `resource-${i + 1}`,
          { path: toIkanosPath(path), operations: Object.fromEntries(ops.filter((op) => op.path === path).map((op) => [op.name, consumedOperation(op)])) },
        ]),
      ),
    };
  });
  const binds = [...new Set((capability.binds ?? []).map((b) => b.file))].map((file, i) => ({
    namespace: `binds-${i + 1}`,
    ...(file ? { location: `file://${file}` } : {}),
    keys: Object.fromEntries((capability.binds ?? []).filter((b) => b.file === file).map((b) => [b.key, b.sourceKey])),
  }));
  const tools = Object.fromEntries(capability.operations.map((op) => [op.name, tool(op, namespaceOf(op), toolsNamespace)]));
  return {
    ikanos: '1.0.0-beta5',
    info: { display: capability.label, description: capability.description ?? capability.label },
    ...(binds.length > 0 ? { binds } : {}),
    capability: {
      consumes,
      exposes: [{ type: 'mcp', transport: 'stdio', namespace: toolsNamespace, ...(capability.description ? { description: capability.description } : {}), tools }],
    },
  };
}

function consumedOperation(op: OperationSpec): Record<string, unknown> {
  const parameters = [
    ...op.inputParameters.filter((p) => !(op.bodyTemplate !== undefined && p.in === 'body' && p.target === undefined)).map((p) => [p.target ?? p.name, { in: p.in }] as const),
    ...(op.fixed ?? []).map((f) => [f.name, { in: f.in, value: f.value }] as const),
  ];
  return {
    method: op.method,
    ...(parameters.length > 0 ? { inputParameters: Object.fromEntries(parameters) } : {}),
    ...(op.bodyTemplate !== undefined ? { body: op.bodyTemplate } : {}),
  };
}

function tool(op: OperationSpec, namespace: string, toolsNamespace: string): Record<string, unknown> {
  const renamed = op.inputParameters.filter((p) => p.target !== undefined);
  return {
    display: op.title,
    description: op.description,
    ...(op.inputParameters.length > 0 ? { inputParameters: Object.fromEntries(op.inputParameters.map((p) => [p.name, toolParameter(p)])) } : {}),
    call: `${namespace}.${op.name}`,
    ...(renamed.length > 0 ? { with: Object.fromEntries(renamed.map((p) => [p.target, `${toolsNamespace}.${p.name}`])) } : {}),
    ...(op.hints ? { hints: op.hints } : {}),
    // A tree without mappings (alpha2) reads each field by its name: written out as `$.name`. In a
    // mapped tree, a field without a mapping stays without one (an object grouping its parent's fields).
    outputParameters: [mapped({ ...op.output, mapping: op.output.value, required: false, nullable: false }, op.output.value, !hasMappings(op.output), { name: op.output.name })],
  };
}

function toolParameter(p: ParameterSpec): Record<string, unknown> {
  const extra = Object.fromEntries(Object.entries(p).filter(([key, value]) => !PARAMETER_KEYS.has(key) && value !== undefined));
  return { type: p.type, description: p.description ?? p.name, required: p.required, ...(Object.keys(extra).length > 0 ? { [EXTENSION_KEY]: extra } : {}) };
}

/** A field as a mapped output parameter; `mapping` is where its value is when the field has none of its own. */
function mapped(field: OutputField, mapping: string | undefined, byName: boolean, more: Record<string, unknown> = {}): Record<string, unknown> {
  const extra: Record<string, unknown> = { ...more };
  if (field.type === 'integer') extra.type = 'integer';
  if (field.required) extra.required = true;
  if (field.nullable) extra.nullable = true;
  if (field.enum) extra.enum = field.enum;
  if (field.description) extra.description = field.description;
  for (const [key, value] of Object.entries(field)) if (!FIELD_KEYS.has(key) && value !== undefined) extra[key] = value;
  // The format wants a mapping on every field but an object; `$.` (the enclosing value) is what none reads.
  const at = field.mapping ?? mapping ?? (field.type === 'object' ? undefined : '$.');
  return {
    type: field.type === 'integer' ? 'number' : field.type,
    ...(at !== undefined ? { mapping: at } : {}),
    ...(field.type === 'object' ? { properties: Object.fromEntries(Object.entries(field.properties ?? {}).map(([name, f]) => [name, mapped(f, byName ? `$.${name}` : undefined, byName)])) } : {}),
    ...(field.type === 'array' ? { items: mapped(field.items ?? { type: 'object', required: false, nullable: false }, byName ? '$.' : undefined, byName) } : {}),
    ...(Object.keys(extra).length > 0 ? { [EXTENSION_KEY]: extra } : {}),
  };
}
