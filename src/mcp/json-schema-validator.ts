import { createRequire } from 'node:module';
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server';

const require = createRequire(import.meta.url);
// The built bin carries its own CommonJS bundle of the SDK's validator, a file beside it
// (scripts/build.mjs names it here), so that it needs no node_modules; from source, the installed SDK.
declare const AJV_VALIDATOR_MODULE: string | undefined;
const AJV_MODULE = typeof AJV_VALIDATOR_MODULE === 'undefined' ? '@modelcontextprotocol/server/validators/ajv' : AJV_VALIDATOR_MODULE;

/**
 * The SDK's own (ajv) JSON Schema validator, loaded the first time something is validated (an
 * elicitation answer) rather than when the server starts: ajv is a large share of the SDK's code
 * and answering tools is done without it.
 */
export class LazyJsonSchemaValidator implements jsonSchemaValidator {
  #ajv: jsonSchemaValidator | undefined;

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.#ajv ??= new (require(AJV_MODULE) as typeof import('@modelcontextprotocol/server/validators/ajv')).AjvJsonSchemaValidator();
    return this.#ajv.getValidator<T>(schema);
  }
}
