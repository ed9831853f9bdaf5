/** A parsed JSON object (not an array, not null): its fields may be read, each still unknown. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
