/**
 * esbuild options for the function, derived from the construct's own settings (`ROTATOR_BUNDLE`
 * in lib/rotator/function.ts): the bench measures, and the package ships, exactly what
 * `NodejsFunction` bundles for `cdk deploy` in this project.
 */
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { HANDLER_ENTRY, PROJECT_ROOT, ROTATOR_BUNDLE } from '../lib/rotator/function.js';

// The construct's settings are esbuild's, by name; only these two take another shape in esbuild.
const { mainFields, banner, ...sameInEsbuild } = ROTATOR_BUNDLE;

/** Bundle lambda/handler.ts as the construct does: everything, the AWS SDK included. */
export const FUNCTION_BUILD_OPTIONS: BuildOptions = {
  entryPoints: [HANDLER_ENTRY],
  bundle: true,
  ...sameInEsbuild,
  mainFields: [...mainFields],
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  banner: { js: banner },
  logLevel: 'warning',
};
