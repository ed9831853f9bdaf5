import { createRequire } from 'node:module';
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server';

const require = createRequire(import.meta.url);

/**
 * The SDK's own (ajv) JSON Schema validator, loaded the first time something is validated (an
 * elicitation answer) rather than when the server starts: ajv is a large share of the SDK's code
 * and answering tools is done without it. Loaded from the installed SDK, not from the bundle.
 */
export class LazyJsonSchemaValidator implements jsonSchemaValidator {
  #ajv: jsonSchemaValidator | undefined;

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.#ajv ??= new (require('@modelcontextprotocol/server/validators/ajv') as typeof import('@modelcontextprotocol/server/validators/ajv')).AjvJsonSchemaValidator();
    return this.#ajv.getValidator<T>(schema);
  }
}
