#!/usr/bin/env node
import * as nodeModule from 'node:module';

// Node 22.1+ keeps the compiled code of every module it loads on disk and reuses it on the next
// start (the cache lives in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Node 20
// has no such cache. Turned on before anything else loads, so that the whole server benefits:
// hence the dynamic import below. BENCHMARKS.md.
const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
enableCompileCache?.();
await import('./cli/run.js');
