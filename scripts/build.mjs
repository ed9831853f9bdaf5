// npm run build: bundles the server into dist/index.js, the bin. What only some runs need (the
// sandbox, a capability file given with --capability) is split into chunks beside it, loaded on
// demand. The bundled capability is read, validated and flattened here, once, from its YAML (which
// stays the source), and lands in the bin as data. Why each step: BENCHMARKS.md.
import { mkdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const CAPABILITY = 'src/engine/clerk-frontend-api-invitations.yaml';
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };

// Runs the server's own loader on the bundled YAML, so that the build fails where the server would.
async function precompileCapability() {
  const cache = 'node_modules/.cache/clerk-invitations-mcp';
  mkdirSync(cache, { recursive: true });
  const loader = `${cache}/load.mjs`;
  await esbuild.build({ ...common, entryPoints: ['src/engine/load.ts'], outfile: loader, packages: 'external' });
  const { loadCapability } = await import(pathToFileURL(loader).href);
  // The file name alone: the build machine's paths have no place in the bin.
  return { ...loadCapability(CAPABILITY), file: basename(CAPABILITY) };
}

// The MCP SDK imports code this server never runs. Replaced in the bundle by a stub that fails
// loudly: its runtime shim's default JSON Schema validator (ajv, most of the SDK's code), which the
// server replaces with its own, loading the SDK's ajv validator on first use
// (src/mcp/json-schema-validator.ts).
const STUBS = {
  '@modelcontextprotocol/server/_shims':
    'export { default as process } from "node:process"; export class DefaultJsonSchemaValidator { constructor() { throw new Error("pass a jsonSchemaValidator: ajv is not bundled"); } }',
};
const trimSdk = {
  name: 'trim-sdk',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).map((k) => k.replace(/[./]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => (/@modelcontextprotocol[\\/]server[\\/]/.test(args.importer) ? { path: args.path, namespace: 'stub' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

rmSync('dist', { recursive: true, force: true });
const capability = await precompileCapability();
const result = await esbuild.build({
  ...common,
  entryPoints: ['src/index.ts'],
  outdir: 'dist',
  splitting: true,
  // Beside index.js, so that import.meta.url means the same directory in every chunk.
  chunkNames: '[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  define: { PRECOMPILED_CAPABILITY: JSON.stringify(capability) },
  // Loaded from node_modules when needed: yaml only for --capability, ajv only when validating,
  // the proxy packages only when a proxy variable is set (https-proxy-agent's CommonJS `debug` cannot be bundled as ESM).
  external: ['yaml', '@modelcontextprotocol/server/validators/ajv', 'proxy-from-env', 'https-proxy-agent'],
  // jsonc-parser's "main" is a UMD build whose require() calls an ES module cannot make: its ES build instead.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  plugins: [trimSdk],
  metafile: true,
});
// node scripts/build.mjs --analyze: what each file of dist/ is made of.
if (process.argv.includes('--analyze')) process.stdout.write(await esbuild.analyzeMetafile(result.metafile));
