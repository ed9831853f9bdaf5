import { isRecord } from '../json.js';
import { outputOf } from './beta5-output.js';
import { parameterSpecSchema, type FixedValue, type HintsSpec, type HttpMethod, type OperationSpec, type ParameterSpec } from './model.js';
import { placeholders } from './template.js';
import type { Doc, Problems } from './doc.js';


/** A consumed operation as a tool's `call` finds it. */
export interface ConsumedOperation {
  readonly namespace: string;
  readonly name: string;
  readonly method: HttpMethod;
  /** With `{name}` segments. */
  readonly path: string;
  /** Resource- and operation-level parameters (no types: the tool's arguments give them). */
  readonly parameters: readonly { readonly name: string; readonly in: string; readonly value: string | undefined }[];
  /** The adapter's own values (headers on every request). */
  readonly fixed: readonly FixedValue[];
  readonly bodyTemplate?: string;
  readonly description?: string;
}

interface ToolSource {
  readonly name: string;
  readonly tool: Doc;
  readonly exposesNamespace: string;
  readonly consumed: ConsumedOperation;
  readonly extensionKey: string;
}

const LOCATIONS = ['path', 'query', 'header', 'body'] as const;
type Location = (typeof LOCATIONS)[number];

/**
 * One MCP tool of an `exposes` entry, flattened into the model: each argument learns where it goes
 * (the consumed parameter that `with:` or its name sends it to, or the body template that uses it),
 * and what the capability sets itself becomes fixed values. Pushes every problem found.
 */
export function buildTool({ name, tool, exposesNamespace, consumed, extensionKey }: ToolSource, at: string, problems: Problems): OperationSpec | undefined {
  const before = problems.length;
  const declared = Object.entries(isRecord(tool.inputParameters) ? tool.inputParameters : {}).map(([arg, p]) => [arg, isRecord(p) ? p : {}] as const);
  const args = new Set(declared.map(([arg]) => arg));
  const withMap = isRecord(tool.with) ? tool.with : {};
  // `with:` values naming an argument: `<exposes namespace>.<argument>`, `$this.<namespace>.<argument>` or `{{argument}}`.
  const argumentOf = (expression: unknown): string | undefined => {
    if (typeof expression !== 'string') return undefined;
    const match = /^(?:\$this\.)?([A-Za-z0-9-]+)\.([A-Za-z0-9_*-]+)$/.exec(expression) ?? /^\{\{\s*()([A-Za-z0-9_-]+)\s*\}\}$/.exec(expression);
    if (!match) return undefined;
    const [, namespace, arg = ''] = match;
    return (namespace === '' || namespace === exposesNamespace) && args.has(arg) ? arg : undefined;
  };

  const { routes, fixed, bodyTemplate } = routeArguments(consumed, withMap, argumentOf, args, at, problems);
  if (bodyTemplate !== undefined) {
    // A body template is the whole body: a body parameter it does not use would never be sent.
    const used = new Set(placeholders(bodyTemplate));
    for (const [arg, route] of routes) {
      if (route.in === 'body' && !used.has(arg)) problems.push({ where: `${at}.inputParameters.${arg}`, problem: `goes to the body parameter ${route.target}, but the body template of ${consumed.namespace}.${consumed.name} does not use {{${arg}}}: it would never be sent` });
    }
    for (const value of fixed) {
      if (value.in === 'body') problems.push({ where: `${at}.call`, problem: `the body parameter ${value.name} is set beside the body template of ${consumed.namespace}.${consumed.name}, which is the whole body: write it in the template` });
    }
  }

  const inputParameters: ParameterSpec[] = [];
  for (const [arg, spec] of declared) {
    const where = `${at}.inputParameters.${arg}`;
    const route = routes.get(arg);
    if (!route) {
      problems.push({ where, problem: `is not passed to ${consumed.namespace}.${consumed.name}: no \`with:\` names it, and no parameter or body placeholder has its name` });
      continue;
    }
    const extra = isRecord(spec[extensionKey]) ? spec[extensionKey] : {};
    const candidate = {
      name: arg,
      in: route.in,
      ...(route.target !== arg ? { target: route.target } : {}),
      type: spec.type,
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      ...extra,
      required: spec.required !== false,
    };
    const parsed = parameterSpecSchema.safeParse(candidate);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((i) => ({ where: `${where}${i.path.length ? `.${i.path.join('.')}` : ''}`, problem: i.message })));
      continue;
    }
    const p = parsed.data;
    if (p.in === 'path' && (!p.required || (p.type !== 'string' && p.type !== 'integer'))) problems.push({ where, problem: 'goes into the path: it must be a required string or integer' });
    if (p.in === 'body' && (consumed.method === 'GET' || consumed.method === 'DELETE')) problems.push({ where, problem: `goes into the body of a ${consumed.method}, which has none` });
    inputParameters.push(p);
  }

  for (const [, segment] of consumed.path.matchAll(/\{([^{}]+)\}/g)) {
    const given = [...routes.values()].some((r) => r.in === 'path' && r.target === segment) || fixed.some((f) => f.in === 'path' && f.name === segment);
    if (!given) problems.push({ where: `${at}.call`, problem: `the path ${consumed.path} uses {${segment ?? ''}}, which no parameter in path gives` });
  }

  const output = outputOf(tool.outputParameters, `${at}.outputParameters`, name, extensionKey, problems);
  if (problems.length > before || !output) return undefined;
  const description = typeof tool.description === 'string' ? tool.description : (consumed.description ?? name);
  const allFixed = [...consumed.fixed, ...fixed];
  return {
    name,
    title: typeof tool.display === 'string' ? tool.display : description,
    description,
    method: consumed.method,
    path: consumed.path,
    inputParameters,
    output,
    service: consumed.namespace,
    ...(isRecord(tool.hints) ? { hints: tool.hints as HintsSpec } : {}),
    ...(allFixed.length > 0 ? { fixed: allFixed } : {}),
    ...(bodyTemplate !== undefined ? { bodyTemplate } : {}),
  };
}

type Route = { readonly in: Location; readonly target: string };

/**
 * Where each argument goes: the consumed parameter `with:` (or its name) gives it to, or the body
 * template that uses it; the values the capability sets itself are fixed. `with:` keys that name
 * nothing are problems.
 */
function routeArguments(
  consumed: ConsumedOperation,
  withMap: Readonly<Record<string, unknown>>,
  argumentOf: (expression: unknown) => string | undefined,
  args: ReadonlySet<string>,
  at: string,
  problems: Problems,
): { routes: Map<string, Route>; fixed: FixedValue[]; bodyTemplate: string | undefined } {
  const routes = new Map<string, Route>();
  const fixed: FixedValue[] = [];
  const withUsed = new Set<string>();
  for (const parameter of consumed.parameters) {
    const where = `${at}.call → ${consumed.namespace}.${consumed.name}.inputParameters.${parameter.name}`;
    if (!(LOCATIONS as readonly string[]).includes(parameter.in)) {
      problems.push({ where, problem: `parameters in ${parameter.in} are not supported yet (path, query, header, body)` });
      continue;
    }
    const location = parameter.in as Location;
    const given = Object.hasOwn(withMap, parameter.name) ? withMap[parameter.name] : undefined;
    if (given !== undefined) withUsed.add(parameter.name);
    const source = given ?? parameter.value ?? (args.has(parameter.name) ? `{{${parameter.name}}}` : undefined);
    if (source === undefined) {
      if (location === 'path') problems.push({ where, problem: `path parameter ${parameter.name} gets no value: give it with \`with:\` or an argument of that name` });
      continue;
    }
    const arg = argumentOf(source);
    const mixed = arg === undefined ? placeholders(String(source)).filter((name) => args.has(name)) : [];
    if (mixed.length > 0) problems.push({ where, problem: `"${String(source)}" mixes the argument ${mixed.join(', ')} with other text: not supported yet (give the argument alone, {{${mixed[0] ?? ''}}})` });
    else if (arg === undefined) fixed.push({ in: location, name: parameter.name, value: String(source) });
    else if (!routes.has(arg)) routes.set(arg, { in: location, target: parameter.name });
    else problems.push({ where, problem: `argument ${arg} already goes to ${routes.get(arg)?.target ?? ''}: one argument feeds one parameter` });
  }

  // A JSON body template: its placeholders are arguments (directly or through `with:`) or bound keys.
  let bodyTemplate = consumed.bodyTemplate;
  if (bodyTemplate !== undefined) {
    for (const variable of placeholders(bodyTemplate)) {
      const arg = Object.hasOwn(withMap, variable) ? argumentOf(withMap[variable]) : args.has(variable) ? variable : undefined;
      if (Object.hasOwn(withMap, variable)) withUsed.add(variable);
      if (arg === undefined) continue;
      if (arg !== variable) bodyTemplate = bodyTemplate.replace(new RegExp(`\\{\\{\\s*${variable.replace(/[.-]/g, '\\$&')}\\s*\\}\\}`, 'g'), `{{${arg}}}`);
      if (!routes.has(arg)) routes.set(arg, { in: 'body', target: arg });
    }
  }
  for (const key of Object.keys(withMap)) {
    if (!withUsed.has(key)) problems.push({ where: `${at}.with.${key}`, problem: `${consumed.namespace}.${consumed.name} has no parameter ${key} (nor a body placeholder {{${key}}})` });
  }

  return { routes, fixed, bodyTemplate };
}
