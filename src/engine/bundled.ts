import type { Capability } from './model.js';

// The build (scripts/build.mjs) replaces these names with the bundled capabilities, already read,
// validated and flattened from their YAML, so that the bin neither parses YAML nor validates at start.
declare const PRECOMPILED_CAPABILITY: Capability | undefined;
declare const PRECOMPILED_BACKEND_CAPABILITY: Capability | undefined;

/** The capability this server ships: precompiled in the built bin, read from its YAML when run from source. */
export async function bundledCapability(): Promise<Capability> {
  if (typeof PRECOMPILED_CAPABILITY !== 'undefined') return PRECOMPILED_CAPABILITY;
  const { loadCapability, BUNDLED_CAPABILITY } = await import('./load.js');
  return loadCapability(BUNDLED_CAPABILITY);
}

/** The same tools through the Backend API, for hosted mode; precompiled in the built bin too. */
export async function bundledBackendCapability(): Promise<Capability> {
  if (typeof PRECOMPILED_BACKEND_CAPABILITY !== 'undefined') return PRECOMPILED_BACKEND_CAPABILITY;
  const { loadCapability, BACKEND_API_CAPABILITY } = await import('./load.js');
  return loadCapability(BACKEND_API_CAPABILITY);
}
