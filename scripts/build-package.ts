/**
 * `npm run build` (and `npm pack`, through `prepack`): what the package ships, so another CDK app
 * can use the construct and operators the CLI without this project's build setup.
 *
 * - `dist/lib`, `dist/lambda`, `dist/cli`: the TypeScript compiled to JavaScript with `.d.ts`.
 * - `dist/function/index.mjs`: the function, bundled once with the very settings the construct
 *   bundles with in this project (`ROTATOR_BUNDLE`), so a consumer's synth needs no esbuild and
 *   deploys what the tests ran; `dist/adobe-secret-rotation-function/index.mjs`: the Adobe
 *   secret's rotation function, the same way.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ADOBE_SECRET_ROTATION_BUNDLE_DIR, ADOBE_SECRET_ROTATION_ENTRY } from '../lib/rotator/adobe-secret-rotation.js';
import { PROJECT_ROOT } from '../lib/rotator/function.js';
import { FUNCTION_BUILD_OPTIONS } from './function-build-options.js';

const dist = join(PROJECT_ROOT, 'dist');
rmSync(dist, { recursive: true, force: true });

execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(PROJECT_ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

await build({ ...FUNCTION_BUILD_OPTIONS, outfile: join(dist, 'function', 'index.mjs') });
await build({ ...FUNCTION_BUILD_OPTIONS, entryPoints: [ADOBE_SECRET_ROTATION_ENTRY], outfile: join(dist, ADOBE_SECRET_ROTATION_BUNDLE_DIR, 'index.mjs') });
console.log(`built ${dist}`);
