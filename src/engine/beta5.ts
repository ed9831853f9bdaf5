import { basename } from 'node:path';
import { isRecord } from '../json.js';
import { EXTENSION_KEY, schemaProblems } from './ikanos-schema.js';
import type { AuthenticationSpec, Capability, FixedValue, HttpMethod, OperationSpec, ServiceSpec } from './model.js';
import { importConsumes, readBinds } from './beta5-sources.js';
import { bindPlaceholders } from './binds.js';
import { buildTool, type ConsumedOperation } from './beta5-tool.js';
import { asRecord, entries, list, toModelPath, type Doc, type Problems } from './doc.js';

// Reads an Ikanos 1.0.0-beta5 capability into the model the alpha2 loader builds, so that both
// generations serve through the same code. What the format has and this server does not run yet
// is refused by name, never skipped silently (README, "Running other capabilities").


/** A capability's consumed adapters are Clerk's Frontend API when their namespaces say so. */
export const FRONTEND_API_NAMESPACE = /^clerk-frontend-api(-|$)/;

/** An environment variable expression, `$env.NAME`, as a whole value. */
const ENV_EXPRESSION = /^\$env\.([A-Za-z_][A-Za-z0-9_]*)$/;


/** Reads a parsed beta5 document; every problem found is pushed to `problems` (the result is then unusable). */
export function readBeta5(doc: Doc, file: string, problems: Problems): Capability {
  problems.push(...schemaProblems(doc));
  if (problems.length > 0) return { file, label: '', operations: [] };
  const capability = asRecord(doc.capability);
  const services = new Map<string, { service: ServiceSpec; fixed: FixedValue[]; resources: [string, Doc][]; where: string }>();

  const consumes = [...list(doc.consumes).map((c, i) => [c, `consumes[${i}]`] as const), ...list(capability.consumes).map((c, i) => [c, `capability.consumes[${i}]`] as const)];
  // Environment variables named by `$env.NAME` in authentication.
  const fromEnv = new Set<string>();
  // Namespaces whose import failed: the tools calling them are not reported again.
  const broken = new Set<string>();
  for (const [entry, where] of consumes) {
    const adapter = isRecord(entry) && typeof entry.from === 'string' ? importConsumes(asRecord(entry), file, where, problems) : asRecord(entry);
    if (!adapter) {
      broken.add(String(asRecord(entry).as ?? asRecord(entry).import));
      continue;
    }
    const namespace = String(adapter.namespace);
    if (services.has(namespace)) problems.push({ where: `${where}.namespace`, problem: `namespace "${namespace}" is consumed twice` });
    const fixed = fixedValues(adapter.inputParameters, `${where}.inputParameters`, problems);
    const authentication = authenticationOf(adapter.authentication, `${where}.authentication`, problems, fromEnv);
    services.set(namespace, {
      service: { namespace, baseUri: String(adapter.baseUri), ...(authentication ? { authentication } : {}) },
      fixed,
      resources: entries(adapter.resources),
      where,
    });
  }

  const exposes = [...list(doc.exposes).map((e, i) => [e, `exposes[${i}]`] as const), ...list(capability.exposes).map((e, i) => [e, `capability.exposes[${i}]`] as const)];
  const mcp = exposes.filter(([e]) => isRecord(e) && e.type === 'mcp');
  for (const [e, where] of exposes) {
    if (isRecord(e) && typeof e.from === 'string') problems.push({ where, problem: 'importing an exposes entry is not supported yet: write its tools in this file' });
  }
  for (const [aggregates, where] of [[doc.aggregates, 'aggregates'], [capability.aggregates, 'capability.aggregates']] as const) {
    if (aggregates !== undefined) problems.push({ where, problem: 'aggregates are not supported yet: give each tool a `call:`' });
  }
  if (mcp.length === 0) {
    problems.push({ where: 'capability.exposes', problem: 'no exposes entry of type mcp: Ikanos consumed parameters carry no types, so this server needs the tools declared (exposes: [{ type: mcp, tools: … }])' });
  }

  const operations: OperationSpec[] = [];
  for (const [entry, where] of mcp) {
    const adapter = asRecord(entry);
    for (const [name, tool] of entries(adapter.tools)) {
      const at = `${where}.tools.${name}`;
      if (typeof tool.call !== 'string') {
        problems.push({ where: at, problem: 'only tools with `call:` are supported yet (not steps, ref or mock outputs)' });
        continue;
      }
      const call = tool.call;
      if (broken.has(call.split('.')[0] ?? '')) continue;
      const consumed = findOperation(services, call, `${at}.call`, problems);
      if (!consumed) continue;
      const op = buildTool({ name, tool, exposesNamespace: String(adapter.namespace), consumed, extensionKey: EXTENSION_KEY }, at, problems);
      if (!op) continue;
      if (operations.some((other) => other.name === op.name)) problems.push({ where: at, problem: `tool name "${name}" is used twice: tool names must be unique` });
      operations.push(op);
    }
  }
  const used = [...new Set(operations.map((op) => op.service))];
  const servicesUsed = [...services.values()].filter((s) => used.includes(s.service.namespace)).map((s) => s.service);
  const clerk = servicesUsed.length > 0 && servicesUsed.every((s) => FRONTEND_API_NAMESPACE.test(s.namespace));
  const written = readBinds(doc, capability, file, problems);
  for (const name of fromEnv) {
    if (written.some((b) => b.key === name)) problems.push({ where: 'binds', problem: `${name} is both a bind key and read by $env.${name}: use one or the other` });
  }
  const binds = [...written, ...[...fromEnv].map((name) => ({ key: name, sourceKey: name }))];
  // A placeholder fills in only what a bind declares: an undeclared one would read whatever
  // environment variable the file names.
  const declared = new Set(binds.map((b) => b.key));
  for (const key of bindPlaceholders({ file, label: '', operations, services: servicesUsed })) {
    if (!declared.has(key)) problems.push({ where: 'binds', problem: `{{${key}}} is used but no bind declares it: add it to the keys of a binds entry` });
  }
  const info = asRecord(doc.info);
  const description = mcp.map(([e]) => asRecord(e).description).find((d): d is string => typeof d === 'string');
  return {
    file,
    label: typeof info.display === 'string' ? info.display : basename(file),
    operations,
    profile: clerk ? 'clerk-frontend-api' : 'http',
    ...(description ? { description } : {}),
    services: servicesUsed,
    binds,
  };
}

/** The operation a tool's `call: namespace.operation` names, with its resource's path and the values it sets. */
function findOperation(services: ReadonlyMap<string, { service: ServiceSpec; fixed: FixedValue[]; resources: [string, Doc][] }>, call: string, where: string, problems: Problems): ConsumedOperation | undefined {
  const [namespace = '', operation = ''] = call.split('.');
  const adapter = services.get(namespace);
  if (!adapter) {
    problems.push({ where, problem: `"${call}" names no consumed namespace (known: ${[...services.keys()].join(', ') || 'none'})` });
    return undefined;
  }
  for (const [, resource] of adapter.resources) {
    const spec = asRecord(resource.operations)[operation];
    if (!isRecord(spec)) continue;
    // The operation's own parameters over the resource's of the same name.
    const byName = new Map([...entries(resource.inputParameters), ...entries(spec.inputParameters)]);
    const parameters = [...byName].map(([name, p]) => ({ name, in: String(p.in), value: typeof p.value === 'string' ? p.value : undefined }));
    const body = spec.body;
    let bodyTemplate: string | undefined;
    if (typeof body === 'string') bodyTemplate = body;
    else if (isRecord(body) && body.type === 'json') bodyTemplate = typeof body.data === 'string' ? body.data : JSON.stringify(body.data);
    else if (body !== undefined) problems.push({ where, problem: `the body of ${call} is ${String(asRecord(body).type)}: only JSON bodies (a JSON template string, or type json) are supported yet` });
    if (typeof spec.outputRawFormat === 'string' && spec.outputRawFormat !== 'json') problems.push({ where, problem: `${call} answers ${spec.outputRawFormat}: only JSON answers are supported yet` });
    // The path is appended to the base URI: one not starting with "/" would let an argument
    // change the host or port (`{{id}}/items` with id ".evil.example").
    if (typeof resource.path !== 'string' || !resource.path.startsWith('/')) {
      problems.push({ where, problem: `the path of ${call} is ${JSON.stringify(resource.path)}: a resource path must start with "/"` });
      return undefined;
    }
    return {
      namespace,
      name: operation,
      method: (typeof spec.method === 'string' ? spec.method : 'GET') as HttpMethod,
      // Mustache placeholders in the path become the model's {name} segments.
      path: toModelPath(resource.path),
      parameters,
      fixed: adapter.fixed,
      ...(bodyTemplate !== undefined ? { bodyTemplate } : {}),
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
    };
  }
  problems.push({ where, problem: `"${call}": namespace ${namespace} has no operation ${operation}` });
  return undefined;
}

/** Adapter-level parameters with a value: sent on every request of the adapter. */
function fixedValues(parameters: unknown, where: string, problems: Problems): FixedValue[] {
  return entries(parameters).flatMap(([name, p]) => {
    const location = String(p.in);
    if (location !== 'header' && location !== 'query') {
      problems.push({ where: `${where}.${name}.in`, problem: `an adapter-level parameter in ${location} is not supported yet (header or query)` });
      return [];
    }
    if (typeof p.value !== 'string') {
      problems.push({ where: `${where}.${name}.value`, problem: 'an adapter-level parameter needs a value' });
      return [];
    }
    return [{ in: location, name, value: p.value }];
  });
}

function authenticationOf(auth: unknown, where: string, problems: Problems, fromEnv: Set<string>): AuthenticationSpec | undefined {
  if (!isRecord(auth)) return undefined;
  // `$env.NAME` (the schema's own example for tokens and keys) is a bind to that environment
  // variable, declared by its use: the placeholder {{NAME}}.
  const secret = (value: string): string => {
    const name = ENV_EXPRESSION.exec(value)?.[1];
    if (name === undefined) return value;
    fromEnv.add(name);
    return `{{${name}}}`;
  };
  if (auth.type === 'bearer' && typeof auth.token === 'string') return { type: 'bearer', token: secret(auth.token) };
  if (auth.type === 'apikey' && typeof auth.key === 'string' && typeof auth.value === 'string') {
    return { type: 'apikey', key: auth.key, value: secret(auth.value), placement: auth.placement === 'query' ? 'query' : 'header' };
  }
  problems.push({ where, problem: auth.type === 'bearer' || auth.type === 'apikey' ? `${auth.type} authentication needs ${auth.type === 'bearer' ? 'a token' : 'a key and a value'}` : `${String(auth.type)} authentication is not supported yet (bearer, apikey)` });
  return undefined;
}
