/**
 * `npm run build` (and `npm pack`, through `prepack`): what the package ships, so another CDK app
 * can use the construct, from CommonJS or ESM, and operators the CLI, without this project's build
 * setup.
 *
 * - `dist/index.cjs`: the library (lib/index.ts and what it imports), one CommonJS file. Node's ESM
 *   loader reads its named exports too (esbuild annotates them), so `require()` and `import` load the
 *   same module instance, also where Node's require-of-ESM is off (Jest). aws-cdk-lib and constructs
 *   (peers) and the dependencies that load from CommonJS stay external; ESM-only ones are bundled.
 * - `dist/index.d.cts`: the library's types in one file, naming only aws-cdk-lib's and constructs'
 *   types besides its own (no zod, no internal path).
 * - `dist/cli/`: the operator CLI, ESM, with `check-config`'s stack builder in a chunk of its own,
 *   loaded only where aws-cdk-lib is installed.
 * - `dist/function/index.mjs`: the function, bundled once with the very settings the construct
 *   bundles with in this project (`ROTATOR_BUNDLE`), so a consumer's synth needs no esbuild and
 *   deploys what the tests ran; `dist/adobe-secret-rotation-function/index.mjs`: the Adobe
 *   secret's rotation function, the same way.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';
import { ADOBE_SECRET_ROTATION_BUNDLE_DIR, ADOBE_SECRET_ROTATION_ENTRY } from '../lib/rotator/adobe-secret-rotation.js';
import { PROJECT_ROOT } from '../lib/rotator/function.js';
import { FUNCTION_BUILD_OPTIONS } from './function-build-options.js';

const dist = join(PROJECT_ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/**
 * Dependencies that are ES modules only: a CommonJS `require()` of them fails under Jest, so the library bundles them.
 */
const ESM_ONLY = new Set(['leven', 'got', 'p-limit']);
const external = [
  ...Object.keys(pkg.peerDependencies),
  ...Object.keys(pkg.dependencies).filter((name) => !ESM_ONLY.has(name)),
].flatMap((name) => [name, `${name}/*`]);

rmSync(dist, { recursive: true, force: true });

// import.meta.url, which finds the shipped function next to the library, as CommonJS spells it.
const IMPORT_META_URL = 'import_meta_url';
await build({
  entryPoints: [join(PROJECT_ROOT, 'lib', 'index.ts')],
  outfile: join(dist, 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external,
  define: { 'import.meta.url': IMPORT_META_URL },
  banner: { js: `const ${IMPORT_META_URL} = require('node:url').pathToFileURL(__filename).href;` },
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  logLevel: 'warning',
});

await build({
  entryPoints: { main: join(PROJECT_ROOT, 'cli', 'main.ts') },
  outdir: join(dist, 'cli'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  logLevel: 'warning',
});

const [types] = generateDtsBundle(
  [{ filePath: join(PROJECT_ROOT, 'lib', 'index.ts'), output: { noBanner: true, exportReferencedTypes: false } }],
  {
    preferredConfigPath: join(PROJECT_ROOT, 'tsconfig.json'),
  },
);
writeFileSync(join(dist, 'index.d.cts'), types!);

await build({ ...FUNCTION_BUILD_OPTIONS, outfile: join(dist, 'function', 'index.mjs') });
await build({
  ...FUNCTION_BUILD_OPTIONS,
  entryPoints: [ADOBE_SECRET_ROTATION_ENTRY],
  outfile: join(dist, ADOBE_SECRET_ROTATION_BUNDLE_DIR, 'index.mjs'),
});
console.log(`built ${dist}`);
