import type { Capability } from './model.js';

// The build (scripts/build.mjs) replaces this name with the bundled capability, already read,
// validated and flattened from its YAML, so that the bin neither parses YAML nor validates at start.
declare const PRECOMPILED_CAPABILITY: Capability | undefined;

/** The capability this server ships: precompiled in the built bin, read from its YAML when run from source. */
export async function bundledCapability(): Promise<Capability> {
  if (typeof PRECOMPILED_CAPABILITY !== 'undefined') return PRECOMPILED_CAPABILITY;
  const { loadCapability, BUNDLED_CAPABILITY } = await import('./load.js');
  return loadCapability(BUNDLED_CAPABILITY);
}
