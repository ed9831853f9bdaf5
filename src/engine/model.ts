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

export const parameterSpecSchema = z.looseObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a plain identifier'),
  in: z.enum(['path', 'query', 'body', 'header']),
  /** The name the request carries when it differs from the argument's (an Ikanos tool's `with:`). */
  target: z.string().optional(),
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
export const outputFieldSchema = z.looseObject({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'object', 'array']),
  /** Ikanos: where the value comes from, a JSONPath relative to the enclosing value (engine/mapping.ts). */
  mapping: z.string().optional(),
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
  inputParameters: z.array(parameterSpecSchema).default([]),
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

/** A tool argument and where it goes (`header` only from Ikanos files: the alpha2 loader refuses it). */
export type ParameterSpec = z.infer<typeof parameterSpecSchema>;
export type OutputSpec = z.infer<typeof outputParameterSchema>;
export type OutputField = z.infer<typeof outputFieldSchema>;
export type HttpMethod = z.infer<typeof operationSchema>['method'];

/** Where a value the capability itself sets goes: Ikanos consumed parameters with a `value`, `with:` constants. */
export interface FixedValue {
  readonly in: 'path' | 'query' | 'header' | 'body';
  readonly name: string;
  /** May hold `{{KEY}}` placeholders, filled from binds at start (engine/binds.ts). */
  readonly value: string;
}

/** MCP tool hints as Ikanos writes them; each one given overrides the one derived from the method. */
export interface HintsSpec {
  readonly readOnly?: boolean;
  readonly destructive?: boolean;
  readonly idempotent?: boolean;
  readonly openWorld?: boolean;
}

/** One HTTP operation of the capability: the unit every MCP tool is built from. */
export interface OperationSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly method: HttpMethod;
  /** Path template, e.g. `/v1/organizations/{organization_id}/invitations`. */
  readonly path: string;
  /** The tool's arguments, each with where it goes in the request. */
  readonly inputParameters: readonly ParameterSpec[];
  readonly output: OutputSpec;
  /** The consumed adapter (its namespace) the request goes to; absent in alpha2 files (one adapter). */
  readonly service?: string;
  /** Explicit hints (Ikanos `exposes`), over the derived ones. */
  readonly hints?: HintsSpec;
  /** Values the capability sets on every call. */
  readonly fixed?: readonly FixedValue[];
  /** A JSON body written as a Mustache template over the arguments (Ikanos `body`). */
  readonly bodyTemplate?: string;
}

/** How requests to a consumed adapter authenticate; values may hold `{{KEY}}` placeholders. */
export type AuthenticationSpec =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'apikey'; readonly key: string; readonly value: string; readonly placement: 'header' | 'query' };

/** A consumed HTTP API. */
export interface ServiceSpec {
  readonly namespace: string;
  /** May hold `{{KEY}}` placeholders. */
  readonly baseUri: string;
  readonly authentication?: AuthenticationSpec;
}

/** Where a `{{KEY}}` placeholder's value comes from. */
export interface BindSpec {
  readonly key: string;
  /** The name in the source: the environment variable, or the key in the file. */
  readonly sourceKey: string;
  /** Absolute path of a YAML file of keys and values; absent: the environment. */
  readonly file?: string;
}

/**
 * Which conventions the requests follow. `clerk-frontend-api`: Clerk's host from the publishable
 * key, the native client token, form bodies, the `{ response, client }` envelope (clerk/).
 * `http`: the capability's own base URI and authentication, JSON bodies (rest/).
 */
export type Profile = 'clerk-frontend-api' | 'http';

/** A validated capability, flattened to its operations. */
export interface Capability {
  readonly file: string;
  readonly label: string;
  readonly operations: readonly OperationSpec[];
  /** Absent: the Clerk Frontend API (every alpha2 file, as before beta5 support). */
  readonly profile?: Profile;
  /** What the server tells agents, when the capability says (Ikanos `exposes[].description`). */
  readonly description?: string;
  readonly services?: readonly ServiceSpec[];
  readonly binds?: readonly BindSpec[];
}
