import { fileURLToPath } from 'node:url';
import { parse, YAMLParseError } from 'yaml';
import { CapabilityError, type CapabilityProblem } from '../errors.js';
import { isRecord } from '../json.js';
import { readBeta5 } from './beta5.js';
import { readSmallFile } from './capability-files.js';
import { capabilityDocumentSchema, type Capability, type OperationSpec, type OutputField } from './model.js';
import { jsonPath } from './doc.js';

/** The capability this server ships: refined from the Naftiko seed with Clerk's official spec. */
export const BUNDLED_CAPABILITY = fileURLToPath(new URL('./clerk-frontend-api-invitations.yaml', import.meta.url));

/** The same tools through Clerk's Backend API, for hosted mode (acting as an OAuth token's user). */
export const BACKEND_API_CAPABILITY = fileURLToPath(new URL('./clerk-backend-api-invitations.yaml', import.meta.url));

/** Reads, parses and validates a capability file; throws a CapabilityError naming the file and the place. */
export function loadCapability(file: string = BUNDLED_CAPABILITY): Capability {
  let text: string;
  try {
    text = readSmallFile(file);
  } catch (error) {
    throw new CapabilityError(file, '', error instanceof Error ? error.message : String(error), { cause: error });
  }
  return parseCapability(text, file);
}

/** Parses and validates capability YAML text; `file` is used in error messages. */
export function parseCapability(text: string, file: string): Capability {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new CapabilityError(file, at ? `line ${at.line}, column ${at.col}` : '', `not valid YAML: ${error.code}`, { cause: error });
    }
    // Any other yaml failure (a ReferenceError "Excessive alias count" for a billion-laughs file) is the file's too.
    throw new CapabilityError(file, '', `not valid YAML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // Ikanos 1.0.0-beta5 (`ikanos:`) or Naftiko 1.0.0-alpha2 (`naftiko:`), into the same model.
  if (isRecord(raw) && 'ikanos' in raw) {
    const problems: CapabilityProblem[] = [];
    const capability = readBeta5(raw, file, problems);
    if (problems.length > 0) throw CapabilityError.of(file, problems);
    return capability;
  }
  const result = capabilityDocumentSchema.safeParse(raw);
  if (!result.success) {
    throw CapabilityError.of(file, result.error.issues.map((issue) => ({ where: jsonPath(issue.path), problem: issue.message })), { cause: result.error });
  }

  const operations: OperationSpec[] = [];
  result.data.capability.consumes.forEach((consumed, c) => {
    consumed.resources.forEach((resource, r) => {
      resource.operations.forEach((operation, o) => {
        const where = `capability.consumes[${c}].resources[${r}].operations[${o}]`;
        const [output] = operation.outputParameters;
        if (!output) throw new CapabilityError(file, `${where}.outputParameters`, 'one output parameter is required');
        const spec: OperationSpec = {
          name: operation.name,
          title: operation.label ?? operation.description,
          description: operation.description,
          method: operation.method,
          path: resource.path,
          inputParameters: operation.inputParameters,
          output,
        };
        checkOperation(spec, file, where, operations);
        operations.push(spec);
      });
    });
  });
  return { file, label: result.data.info.label, operations };
}

function checkOperation(op: OperationSpec, file: string, where: string, seen: readonly OperationSpec[]): void {
  const fail = (place: string, problem: string): never => {
    throw new CapabilityError(file, `${where}${place}`, problem);
  };
  if (seen.some((other) => other.name === op.name)) fail('.name', `operation name "${op.name}" is used twice: tool names must be unique`);

  const templated = [...op.path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]);
  const names = new Set<string>();
  op.inputParameters.forEach((p, i) => {
    const place = `.inputParameters[${i}]`;
    if (names.has(p.name)) fail(`${place}.name`, `parameter "${p.name}" is declared twice`);
    names.add(p.name);
    if (p.in === 'header') fail(`${place}.in`, 'Naftiko 1.0.0-alpha2 parameters go in path, query or body');
    if (p.in === 'path') {
      if (!templated.includes(p.name)) fail(`${place}.name`, `path parameter "${p.name}" does not appear in path ${op.path}`);
      if (p.type !== 'string' && p.type !== 'integer') fail(`${place}.type`, 'a path parameter must be a string or an integer');
      if (!p.required) fail(`${place}.required`, 'a path parameter must be required');
    }
    if (p.in === 'body' && (op.method === 'GET' || op.method === 'DELETE')) fail(`${place}.in`, `a ${op.method} request has no body`);
    if (p.in === 'query' && p.type === 'object') fail(`${place}.type`, 'a query parameter cannot be an object');
    if (p.type === 'array' && !p.items) fail(`${place}.items`, 'an array parameter needs items');
    if (p.minimum !== undefined && p.maximum !== undefined && p.minimum > p.maximum) fail(`${place}.minimum`, 'minimum is above maximum');
  });
  for (const name of templated) {
    if (name !== undefined && !names.has(name)) fail('.inputParameters', `path ${op.path} uses {${name}} but no "in: path" parameter declares it`);
  }
  const bodies = op.inputParameters.filter((p) => p.in === 'body');
  if (bodies.some((p) => p.type === 'object') && bodies.length > 1) {
    fail('.inputParameters', 'an object body parameter must be the only body parameter');
  }
  checkOutputField(op.output, '.outputParameters[0]', fail);
}

/** Each keyword of a result's field must fit its type: a misplaced one would silently describe nothing. */
function checkOutputField(field: Pick<OutputField, 'type' | 'enum' | 'properties' | 'items'>, place: string, fail: (place: string, problem: string) => never): void {
  if (field.enum && field.type !== 'string') fail(`${place}.enum`, `enum is for type string, not ${field.type}`);
  if (field.properties && field.type !== 'object') fail(`${place}.properties`, `properties are for type object, not ${field.type}`);
  if (field.items && field.type !== 'array') fail(`${place}.items`, `items are for type array, not ${field.type}`);
  for (const [name, property] of Object.entries(field.properties ?? {})) checkOutputField(property, `${place}.properties.${name}`, fail);
  if (field.items) checkOutputField(field.items, `${place}.items`, fail);
}
