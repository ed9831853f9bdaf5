// npm run build: bundles the server into dist/index.js, the bin. What only some runs need (the
// sandbox, a capability file given with --capability) is split into chunks beside it, loaded on
// demand. The bundled capability is read, validated and flattened here, once, from its YAML (which
// stays the source), and lands in the bin as data. Why each step: BENCHMARKS.md.
import { mkdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const CAPABILITY = 'src/engine/clerk-frontend-api-invitations.yaml';
const AJV_VALIDATOR_FILE = 'validators-ajv.cjs';
// Hosted mode's: the same tools through the Backend API.
const BACKEND_CAPABILITY = 'src/engine/clerk-backend-api-invitations.yaml';
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };

// Runs the server's own loader on the bundled YAML, so that the build fails where the server would.
async function precompileCapabilities() {
  const cache = 'node_modules/.cache/clerk-invitations-mcp';
  mkdirSync(cache, { recursive: true });
  const loader = `${cache}/load.mjs`;
  await esbuild.build({ ...common, entryPoints: ['src/engine/load.ts'], outfile: loader, packages: 'external' });
  const { loadCapability } = await import(pathToFileURL(loader).href);
  // The file name alone: the build machine's paths have no place in the bin.
  const load = (file) => ({ ...loadCapability(file), file: basename(file) });
  return { frontend: load(CAPABILITY), backend: load(BACKEND_CAPABILITY) };
}

// Code the libraries import that this server never runs, replaced in the bundle by stubs, each for
// imports from one package only. The MCP SDK's runtime shim's default JSON Schema validator (ajv,
// most of the SDK's code) fails loudly: the server replaces it with its own, which loads the SDK's
// ajv validator from its own file on first use (src/mcp/json-schema-validator.ts). https-proxy-agent's
// `debug` logging (only ever on with DEBUG=https-proxy-agent, which this server does not offer) is a
// no-op: the CommonJS package cannot be bundled as ESM, and would otherwise be two more installed packages.
const STUBS = {
  '@modelcontextprotocol/server/_shims': {
    importer: /@modelcontextprotocol[\\/]server[\\/]/,
    contents: 'export { default as process } from "node:process"; export class DefaultJsonSchemaValidator { constructor() { throw new Error("pass a jsonSchemaValidator: ajv is not bundled"); } }',
  },
  debug: {
    importer: /[\\/]node_modules[\\/](https-proxy-agent|agent-base)[\\/]/,
    contents: 'export default function createDebug() { const debug = () => {}; debug.enabled = false; return debug; }',
  },
};
const stubs = {
  name: 'stubs',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).map((k) => k.replace(/[./]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => (STUBS[args.path].importer.test(args.importer) ? { path: args.path, namespace: 'stub' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path].contents, loader: 'js' }));
  },
};

rmSync('dist', { recursive: true, force: true });
const capabilities = await precompileCapabilities();
const result = await esbuild.build({
  ...common,
  entryPoints: ['src/index.ts'],
  outdir: 'dist',
  splitting: true,
  // Beside index.js, so that import.meta.url means the same directory in every chunk.
  chunkNames: '[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  // Everything is bundled, so the installed package needs no dependencies (BENCHMARKS.md, "Install
  // footprint"). What only some runs need is a chunk loaded on demand: yaml for --capability, the
  // proxy packages when a proxy variable is set. kerberos is an optional import of https-proxy-agent
  // for a proxy authentication (Negotiate) this server never asks for.
  external: ['kerberos'],
  // yaml's ES module build (its "browser" one, the same code): its Node build is CommonJS, which esbuild
  // would wrap, and with it every module of the bin that reads a define.
  // jsonc-parser's "main" is a UMD build whose require() calls an ES module cannot make: its ES build (for install).
  alias: { yaml: './node_modules/yaml/browser/index.js', 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // The SDK's validator is loaded with require() on first use (an elicitation answer), so it is a
  // CommonJS file of its own, named here for src/mcp/json-schema-validator.ts.
  define: {
    PRECOMPILED_CAPABILITY: JSON.stringify(capabilities.frontend),
    PRECOMPILED_BACKEND_CAPABILITY: JSON.stringify(capabilities.backend),
    AJV_VALIDATOR_MODULE: JSON.stringify(`./${AJV_VALIDATOR_FILE}`) },
  plugins: [stubs],
  metafile: true,
});
await esbuild.build({
  ...common,
  format: 'cjs',
  entryPoints: ['node_modules/@modelcontextprotocol/server/dist/validators/ajv.cjs'],
  outfile: `dist/${AJV_VALIDATOR_FILE}`,
  minifyWhitespace: true,
  minifySyntax: true,
});
// node scripts/build.mjs --analyze: what each file of dist/ is made of.
if (process.argv.includes('--analyze')) process.stdout.write(await esbuild.analyzeMetafile(result.metafile));
