import * as z from 'zod';

// The subset of the Naftiko capability format (1.0.0-alpha2) this server understands:
// HTTP `consumes` entries with resources and operations. Unknown keys are tolerated so that a
// capability may carry more than this server uses (exposes, binds, stakeholders...).

const scalarType = z.enum(['string', 'integer', 'number', 'boolean']);

const itemSchema = z.looseObject({
  type: scalarType,
  format: z.literal('email').optional(),
  maxLength: z.int().positive().optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
});

const parameterSchema = z.looseObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a plain identifier'),
  in: z.enum(['path', 'query', 'body']),
  type: z.enum(['string', 'integer', 'number', 'boolean', 'array', 'object']),
  description: z.string().optional(),
  required: z.boolean().default(false),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  format: z.literal('email').optional(),
  /** Longest string accepted; without it, the schema applies a default cap (see engine/schema.ts). */
  maxLength: z.int().positive().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  minItems: z.int().nonnegative().optional(),
  maxItems: z.int().positive().optional(),
  items: itemSchema.optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier');

/**
 * One field of a result, as Naftiko's typed output parameters nest them (`properties` of an object,
 * `items` of an array), plus what an API's response schema says and Naftiko has no word for:
 * `required`, `nullable` and `enum`. Objects keep fields they do not name: APIs add fields over time.
 */
const outputFieldSchema = z.looseObject({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'object', 'array']),
  description: z.string().optional(),
  required: z.boolean().default(false),
  nullable: z.boolean().default(false),
  enum: z.array(z.string()).min(1).optional(),
  get properties() {
    return z.record(fieldName, outputFieldSchema).optional();
  },
  get items() {
    return outputFieldSchema.optional();
  },
});

const outputParameterSchema = z.looseObject({
  name: z.string(),
  type: z.enum(['object', 'array']),
  value: z.string().regex(/^\$\.([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$/, 'must be a JSONPath like $. or $.response'),
  /** The fields of an object result; without them, any object. */
  properties: outputFieldSchema.shape.properties,
  /** What each item of a list result is; without it, any object. */
  items: outputFieldSchema.shape.items,
});

const operationSchema = z.looseObject({
  // MCP tool names: letters, digits, _ - . (at most 128).
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1–128 letters, digits, "_", "-" or "."'),
  label: z.string().optional(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  description: z.string().min(1),
  outputRawFormat: z.literal('json').optional(),
  outputParameters: z.array(outputParameterSchema).length(1, 'exactly one output parameter is supported'),
  inputParameters: z.array(parameterSchema).default([]),
});

const resourceSchema = z.looseObject({
  name: z.string(),
  path: z.string().regex(/^\/[A-Za-z0-9_\-./{}]*$/, 'must be an absolute path like /v1/things/{id}'),
  operations: z.array(operationSchema).min(1),
});

/** Zod schema of a capability document, as far as this server reads it. */
export const capabilityDocumentSchema = z.looseObject({
  naftiko: z.string().regex(/^1\.0\.0/, 'this server reads Naftiko 1.0.0 capabilities'),
  info: z.looseObject({ label: z.string(), description: z.string().optional() }),
  capability: z.looseObject({
    consumes: z
      .array(
        z.looseObject({
          type: z.literal('http'),
          namespace: z.string(),
          description: z.string().optional(),
          resources: z.array(resourceSchema).min(1),
        }),
      )
      .min(1),
  }),
});

export type ParameterSpec = z.infer<typeof parameterSchema>;
export type OutputSpec = z.infer<typeof outputParameterSchema>;
export type OutputField = z.infer<typeof outputFieldSchema>;

/** One HTTP operation of the capability: the unit every MCP tool is built from. */
export interface OperationSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly method: z.infer<typeof operationSchema>['method'];
  /** Path template, e.g. `/v1/organizations/{organization_id}/invitations`. */
  readonly path: string;
  readonly inputParameters: readonly ParameterSpec[];
  readonly output: OutputSpec;
}

/** A validated capability, flattened to its operations. */
export interface Capability {
  readonly file: string;
  readonly label: string;
  readonly operations: readonly OperationSpec[];
}
