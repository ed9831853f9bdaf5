import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { CapabilityProblem } from '../errors.js';
import { isRecord } from '../json.js';
// The format's JSON Schema, copied unchanged from naftiko/ikanos (main branch, Apache-2.0), as
// published beside its 1.0.0-beta5 specification: /work/shared/naftiko/README.md.
import schema from './ikanos-schema-1.0.0-beta5.json' with { type: 'json' };
import { jsonPathOfPointer } from './doc.js';

/**
 * This server's extension of the format: an `x-schema` object on a tool's input parameter or on a
 * mapped output parameter, holding JSON Schema keywords the format has no word for (enum,
 * maxLength, format, minimum, items, required/nullable of a result field, integer...). The
 * official schema refuses unknown keys, so `x-schema` keys are set aside before it checks the
 * file, and read by beta5.ts.
 */
export const EXTENSION_KEY = 'x-schema';

let instance: Ajv2020 | undefined;
let validator: ValidateFunction | undefined;

function ajv(): Ajv2020 {
  // Draft 2020-12 (unevaluatedProperties, $defs). strict: false because the schema uses keywords
  // ajv's strict mode would flag (descriptions beside $ref); formats are not asserted in 2020-12.
  instance ??= new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  return instance;
}

function compiled(): ValidateFunction {
  validator ??= ajv().compile(schema);
  return validator;
}

/** A deep copy of `doc` without this server's `x-schema` keys. */
export function withoutExtensions(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(withoutExtensions);
  if (!isRecord(doc)) return doc;
  return Object.fromEntries(Object.entries(doc).filter(([key]) => key !== EXTENSION_KEY).map(([key, value]) => [key, withoutExtensions(value)]));
}

/** Every place `doc` breaks the beta5 schema, as JSON paths (`capability.exposes[0].tools.x`). */
export function schemaProblems(doc: unknown): CapabilityProblem[] {
  const clean = withoutExtensions(doc);
  const seen = new Set<string>();
  return errorsAt(compiled(), clean, '').flatMap((e) => {
    const problem = { where: jsonPathOfPointer(e.instancePath), problem: message(e) };
    const key = `${problem.where}\n${problem.problem}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [problem];
  });
}

// The format's `oneOf`s of typed variants (an exposes entry, an authentication, a mapped output):
// for a value that fails, ajv says why it fails *every* variant, mostly "type must be equal to
// constant". So a value whose variant its `type` names is checked against that variant alone,
// and only those errors are shown.
const VARIANTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  exposes: { rest: 'ExposesRest', mcp: 'ExposesMcp', skill: 'ExposesSkill', control: 'ExposesControl' },
  authentication: { basic: 'AuthBasic', apikey: 'AuthApiKey', bearer: 'AuthBearer', digest: 'AuthDigest', oauth2: 'AuthOAuth2' },
  output: { string: 'MappedOutputParameterString', number: 'MappedOutputParameterNumber', boolean: 'MappedOutputParameterBoolean', object: 'MappedOutputParameterObject', array: 'MappedOutputParameterArray' },
};

interface Variant {
  readonly pointer: string;
  readonly def: string;
  readonly family: string;
}

/** What family the children of a value under `key` belong to, given the value's own family. */
function childFamily(key: string, child: unknown, family: string | undefined): string | undefined {
  if (key === 'exposes' || key === 'authentication') return key;
  if (key === 'outputParameters' && Array.isArray(child)) return 'outputs';
  if (family === 'output' && key === 'items') return 'output';
  if (family === 'output' && key === 'properties') return 'output-map';
  if (family === 'output-map') return 'output';
  return undefined;
}

/** The typed-variant values at and below `value`, outermost first. */
function variantValues(value: unknown, pointer: string, family?: string): Variant[] {
  const found: Variant[] = [];
  const def = family && isRecord(value) && typeof value.type === 'string' ? VARIANTS[family]?.[value.type] : undefined;
  if (def && family) found.push({ pointer, def, family });
  if (Array.isArray(value)) {
    const items = family === 'outputs' ? 'output' : family === 'exposes' ? 'exposes' : undefined;
    value.forEach((item, i) => found.push(...variantValues(item, `${pointer}/${i}`, items)));
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      found.push(...variantValues(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, childFamily(key, child, family)));
    }
  }
  return found;
}

function errorsAt(validate: ValidateFunction, value: unknown, pointer: string, family?: string): ErrorObject[] {
  if (validate(value)) return [];
  // A tool with `call` is the format's simple mode (the first of McpTool's anyOf): what the
  // other modes (steps, ref, mock outputs) would need is noise.
  let errors = (validate.errors ?? [])
    .map((e) => ({ ...e, instancePath: `${pointer}${e.instancePath}` }))
    .filter((e) => !(/\/tools\/[^/]+(\/outputParameters)?$/.test(e.instancePath) && /anyOf(\/[1-9]|$)/.test(e.schemaPath) && hasCall(valueAt(value, e.instancePath.slice(pointer.length).replace(/\/outputParameters$/, '')))));
  const inside = (e: ErrorObject, at: string): boolean => e.instancePath === at || e.instancePath.startsWith(`${at}/`);
  const handled: string[] = [];
  for (const variant of variantValues(value, pointer, family)) {
    if (variant.pointer === pointer || handled.some((at) => variant.pointer.startsWith(`${at}/`))) continue;
    if (!errors.some((e) => inside(e, variant.pointer))) continue;
    const check = ajv().getSchema(`${SCHEMA_ID}#/$defs/${variant.def}`);
    if (!check) continue;
    const nested = errorsAt(check, valueAt(value, variant.pointer.slice(pointer.length)), variant.pointer, variant.family);
    // The summaries ("must match exactly one schema in oneOf") above the value said only that it failed.
    errors = [...errors.filter((e) => !inside(e, variant.pointer) && !((e.keyword === 'oneOf' || e.keyword === 'anyOf') && variant.pointer.startsWith(e.instancePath))), ...nested];
    handled.push(variant.pointer);
  }
  return errors;
}

const SCHEMA_ID = schema.$id;

const hasCall = (tool: unknown): boolean => isRecord(tool) && typeof tool.call === 'string';

function valueAt(root: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (Array.isArray(node) ? node[Number(key)] : isRecord(node) ? node[key] : undefined), root);
}

function message(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
    return `unknown key "${String(params.additionalProperty ?? params.unevaluatedProperty)}" (not in Ikanos 1.0.0-beta5)`;
  }
  if (e.keyword === 'enum') return `${e.message ?? 'must be one of'}: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') return `must be ${JSON.stringify(params.allowedValue)}`;
  return e.message ?? e.keyword;
}

/** `/capability/exposes/0/tools/x` → `capability.exposes[0].tools.x`. */
