import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type * as z from 'zod';

type Converter = StandardSchemaWithJSON['~standard']['jsonSchema']['input'];
type JsonSchema = ReturnType<Converter>;

const forSdk = new WeakMap<z.ZodType, StandardSchemaWithJSON<Record<string, unknown>>>();

/**
 * `schema` as the SDK takes it, validated by zod as before, its JSON Schema converted once per
 * process rather than once per server. Over HTTP a server is built for every request, and
 * `McpServer` converts a tool's schemas on each new instance (the output schema on every
 * tools/call, the input schema for the Mcp-Param header check): zod's conversion was the largest
 * cost left per request. The same wrapper for the same schema; the JSON Schemas are frozen, so a
 * server cannot change what another one sends.
 */
export function convertedOnce(schema: z.ZodObject): StandardSchemaWithJSON<Record<string, unknown>> {
  let wrapped = forSdk.get(schema);
  if (!wrapped) {
    const standard = schema['~standard'];
    wrapped = {
      '~standard': {
        version: standard.version,
        vendor: standard.vendor,
        validate: (value, options) => standard.validate(value, options),
        jsonSchema: { input: memoized(standard.jsonSchema.input), output: memoized(standard.jsonSchema.output) },
      },
    };
    forSdk.set(schema, wrapped);
  }
  return wrapped;
}

/** `convert`, remembered per target; options beyond the target (none the SDK passes) are not remembered. */
function memoized(convert: Converter): Converter {
  const byTarget = new Map<string, JsonSchema>();
  return (options) => {
    if (options.libraryOptions !== undefined) return convert(options);
    let converted = byTarget.get(options.target);
    if (!converted) {
      converted = deepFreeze(convert(options));
      byTarget.set(options.target, converted);
    }
    return converted;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
