import { ClerkFailure, type ClerkErrorEntry } from './errors.js';
import { isStatus, STATUSES, type InvitationStatus } from './state.js';

// Deliberately loose (Clerk's own check is not published) but rejects the obvious mistakes.
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z]$/;

/** Reads form (or query) parameters the way Clerk does, collecting every 422 before failing. */
export class Params {
  readonly errors: ClerkErrorEntry[] = [];
  constructor(private readonly values: URLSearchParams) {}

  private error(code: string, name: string, message: string, longMessage: string): void {
    this.errors.push({ code, message, long_message: longMessage, meta: { param_name: name } });
  }

  rejectUnknown(allowed: readonly string[]): void {
    for (const name of new Set(this.values.keys())) {
      if (!allowed.includes(name)) this.unknown(name, `${name} is not a valid parameter for this request.`);
    }
  }

  /** `form_param_unknown` for a parameter that is valid elsewhere but not in this combination. */
  unknown(name: string, longMessage: string): void {
    this.error('form_param_unknown', name, 'is unknown', longMessage);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  private all(name: string, required: boolean): string[] {
    const values = this.values.getAll(name);
    // An empty value counts as missing, as in HTML forms.
    if (required && values.every((v) => v === '')) {
      this.error('form_param_missing', name, 'is missing', `${name} must be included.`);
      return [];
    }
    return values;
  }

  /** One value at most: repeating a scalar parameter is a format error, not "last one wins". */
  text(name: string, required: boolean): string | undefined {
    const values = this.all(name, required);
    if (values.length > 1) this.formatInvalid(name, 'a single value, not repeated');
    return values.length === 1 ? values[0] : undefined;
  }

  private formatInvalid(name: string, expected: string): void {
    this.error('form_param_format_invalid', name, 'is invalid', `${name} must be ${expected}.`);
  }

  valueInvalid(name: string, value: string, allowed: readonly string[]): void {
    const longMessage = `'${value}' is not a valid value for ${name}; use one of: ${allowed.join(', ')}.`;
    this.error('form_param_value_invalid', name, 'is invalid', longMessage);
  }

  /** One of `allowed`, or undefined (and a 422) when absent-but-required or not allowed. */
  choice<T extends string>(name: string, required: boolean, allowed: readonly T[]): T | undefined {
    const value = this.text(name, required);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.valueInvalid(name, value, allowed);
    return undefined;
  }

  emails(name: string, single: boolean): string[] {
    const values = single ? [this.text(name, true)].filter((v) => v !== undefined) : this.all(name, true);
    const valid = values.filter((v) => v.length <= 254 && EMAIL.test(v));
    if (valid.length !== values.length) this.formatInvalid(name, 'a valid email address');
    // Clerk stores addresses lower-cased, so duplicates are found regardless of case.
    return valid.map((v) => v.toLowerCase());
  }

  boolean(name: string): boolean | undefined {
    const value = this.text(name, false);
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    this.formatInvalid(name, 'either true or false');
    return undefined;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.text(name, false);
    if (value === undefined) return undefined;
    const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    this.formatInvalid(name, `an integer from ${min} to ${max}`);
    return undefined;
  }

  statuses(name: string): InvitationStatus[] {
    const values = this.values.getAll(name);
    for (const bad of values.filter((v) => !isStatus(v))) this.valueInvalid(name, bad, STATUSES);
    return values.filter(isStatus);
  }

  /** Throws the collected 422 if there is one. */
  check(): void {
    if (this.errors.length > 0) throw new ClerkFailure(422, this.errors);
  }

  failure(): ClerkFailure {
    return new ClerkFailure(422, this.errors);
  }
}
