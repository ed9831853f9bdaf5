/** The process environment, or a test's stand-in for it: read, never written. */
export type Env = Readonly<Record<string, string | undefined>>;
