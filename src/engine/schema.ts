import * as z from 'zod';
import type { OperationSpec, OutputField, ParameterSpec } from './model.js';

type Item = NonNullable<ParameterSpec['items']>;
type Scalar = Pick<ParameterSpec, 'type' | 'format' | 'enum' | 'minimum' | 'maximum' | 'maxLength'>;

/** A value that can travel in a form body: scalars, or arrays of them as repeated keys. */
const formScalar = z.union([z.string(), z.number(), z.boolean()]);
export const formValueSchema = z.union([formScalar, z.array(formScalar)]);

// Caps on string arguments the capability gives no maxLength: anything longer is a mistake or an
// attack, and is refused before anything is sent. Clerk ids and role keys are around 30 characters;
// an email address is at most 320 (64 before the "@", 255 after it).
const MAX_STRING_LENGTH = 256;
const MAX_EMAIL_LENGTH = 320;

function isWellFormed(s: string): boolean {
  try {
    encodeURIComponent(s); // throws on lone surrogates
    return true;
  } catch {
    return false;
  }
}

// Ids become one path segment; "." and ".." would be collapsed by URL parsing even when
// percent-encoded, so they are refused like empty ids.
const pathSegment = (maxLength = MAX_STRING_LENGTH): z.ZodType => z
  .string()
  .max(maxLength)
  .refine((s) => s.trim() !== '', 'must not be empty')
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."')
  .refine(isWellFormed, 'must be valid Unicode text');

function scalarSchema(spec: Scalar): z.ZodType {
  if (spec.enum) {
    const values = spec.enum;
    if (values.every((v): v is string => typeof v === 'string')) return z.enum(values as [string, ...string[]]);
    return z.union(values.map((v) => z.literal(v)) as unknown as [z.ZodLiteral, z.ZodLiteral]);
  }
  switch (spec.type) {
    case 'string':
      // A permissive check (something@something): it catches slips, and Clerk decides the rest.
      return spec.format === 'email'
        ? z.email({ pattern: z.regexes.unicodeEmail }).max(spec.maxLength ?? MAX_EMAIL_LENGTH)
        : z.string().max(spec.maxLength ?? MAX_STRING_LENGTH);
    case 'boolean':
      return z.boolean();
    case 'integer':
    case 'number': {
      let n = spec.type === 'integer' ? z.int() : z.number();
      if (spec.minimum !== undefined) n = n.min(spec.minimum);
      if (spec.maximum !== undefined) n = n.max(spec.maximum);
      return n;
    }
    default:
      throw new Error(`not a scalar type: ${spec.type}`);
  }
}

function parameterSchema(p: ParameterSpec): z.ZodType {
  let schema: z.ZodType;
  if (p.in === 'path') {
    schema = p.type === 'integer' ? scalarSchema(p) : pathSegment(p.maxLength);
  } else if (p.type === 'array') {
    // Ikanos tool arguments carry no `items`: then any JSON values (the alpha2 loader requires items).
    let array = z.array(p.items ? scalarSchema(p.items as Item) : z.unknown());
    if (p.minItems !== undefined) array = array.min(p.minItems);
    if (p.maxItems !== undefined) array = array.max(p.maxItems);
    schema = array;
  } else if (p.in === 'header' && p.type === 'string' && !p.enum && p.format !== 'email') {
    // A header value cannot hold a line break (or NUL): refused here, it is a plain validation
    // error naming the argument, and the pattern tells the agent beforehand.
    schema = z.string().max(p.maxLength ?? MAX_STRING_LENGTH).regex(/^[^\r\n\0]*$/, 'must not contain a line break: it is sent in a header');
  } else if (p.type === 'object') {
    // A free-form body (as in the seed capability): every field must be form-encodable.
    schema = z.record(z.string(), formValueSchema);
  } else {
    schema = scalarSchema(p);
  }
  // Defaults are documented, not sent: Clerk applies them itself, and a request then says only
  // what the caller asked for.
  const meta: Record<string, unknown> = {};
  if (p.description) meta.description = p.description;
  if (p.default !== undefined) meta.default = p.default;
  if (Object.keys(meta).length > 0) schema = schema.meta(meta);
  return p.required ? schema : schema.optional();
}

/**
 * Builds a tool's input schema from an operation's parameters: path, query and body parameters
 * become flat top-level arguments. Unknown arguments are refused rather than silently dropped, so
 * a misspelt optional flag (say `Notify`) cannot go unnoticed.
 */
export function inputSchema(op: OperationSpec): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const p of op.inputParameters) shape[p.name] = parameterSchema(p);
  return z.strictObject(shape);
}

/** An object with the given fields that passes on every other field it has. */
function objectSchema(properties: Readonly<Record<string, OutputField>> = {}): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(properties)) shape[name] = field.required ? fieldSchema(field) : fieldSchema(field).optional();
  return z.looseObject(shape);
}

/** The schema of one value; whether it may be missing is its object's business. */
function fieldSchema(field: OutputField): z.ZodType {
  let schema: z.ZodType;
  switch (field.type) {
    case 'string':
      schema = field.enum ? z.enum(field.enum as [string, ...string[]]) : z.string();
      break;
    case 'integer':
      schema = z.int();
      break;
    case 'number':
      schema = z.number();
      break;
    case 'boolean':
      schema = z.boolean();
      break;
    case 'object':
      schema = objectSchema(field.properties);
      break;
    case 'array':
      schema = z.array(field.items ? fieldSchema(field.items) : z.unknown());
      break;
  }
  if (field.nullable) schema = schema.nullable();
  return field.description ? schema.describe(field.description) : schema;
}

/**
 * Builds a tool's output schema from the operation's output parameter: its `properties` for an
 * object, its `items` for a list, given one shape `{ data, total_count }`. Objects accept fields
 * they do not name (Clerk adds fields over time, and clients validate structuredContent against
 * this schema); without `properties` or `items`, any object or item is accepted.
 */
export function outputSchema(op: OperationSpec): z.ZodObject {
  if (op.output.type === 'array') {
    return z.looseObject({
      data: z.array(op.output.items ? fieldSchema(op.output.items) : z.looseObject({})).describe(op.output.name),
      total_count: z.number().describe('Number of matching items, across all pages'),
    });
  }
  return objectSchema(op.output.properties);
}
