/** A parsed JSON object (not an array, not null): its fields may be read, each still unknown. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The value when it is a non-empty string (a field Clerk may leave out, null or empty). */
export const nonEmptyText = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
