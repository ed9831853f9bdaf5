/** Reads a Backend API JSON body the way Clerk reads parameters, collecting every 422 before failing. */
import { ClerkFailure, type ClerkErrorEntry } from '../errors.js';

// Deliberately loose (Clerk's own check is not published), the same rule as the Frontend API's.
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z]$/;

const MAX_METADATA_BYTES = 8192;

/** Infinity for a value too deeply nested to serialize: such a value is refused, never stored. */
function serializedLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}

export class Fields {
  readonly errors: ClerkErrorEntry[] = [];
  constructor(private readonly values: Readonly<Record<string, unknown>>) {}

  private error(code: string, name: string, message: string, longMessage: string): void {
    this.errors.push({ code, message, long_message: longMessage, meta: { param_name: name } });
  }

  private invalid(name: string, expected: string): void {
    this.error('form_param_format_invalid', name, 'is invalid', `${name} must be ${expected}.`);
  }

  /**
   * Unknown fields are refused, perhaps more strictly than Clerk: a misspelled `inviter_user_id`
   * would otherwise drop the inviter check without a word.
   */
  rejectUnknown(allowed: readonly string[]): void {
    for (const name of Object.keys(this.values)) {
      if (!allowed.includes(name)) this.error('form_param_unknown', name, 'is unknown', `${name} is not a valid parameter for this request.`);
    }
  }

  /** A string; null counts as absent (the spec's nullable fields). */
  string(name: string, required: boolean): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') {
      if (required) this.error('form_param_missing', name, 'is missing', `${name} must be included.`);
      return undefined;
    }
    if (typeof value === 'string') return value;
    this.invalid(name, 'a string');
    return undefined;
  }

  email(name: string): string | undefined {
    const value = this.string(name, true);
    if (value === undefined) return undefined;
    if (value.length <= 254 && EMAIL.test(value)) return value.toLowerCase();
    this.invalid(name, 'a valid email address');
    return undefined;
  }

  /** A JSON object of at most 8 KB serialized (Clerk's documented cap on user metadata, assumed here too). */
  object(name: string): Record<string, unknown> | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object' && !Array.isArray(value) && serializedLength(value) <= MAX_METADATA_BYTES) return value as Record<string, unknown>;
    this.invalid(name, `a JSON object of at most ${MAX_METADATA_BYTES} bytes`);
    return undefined;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.invalid(name, `an integer from ${min} to ${max}`);
    return undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    this.invalid(name, 'true or false');
    return undefined;
  }

  check(): void {
    if (this.errors.length > 0) throw new ClerkFailure(422, this.errors);
  }
}
