/**
 * esbuild options for the function, derived from the construct's own settings (`ROTATOR_BUNDLE`
 * in lib/rotator/function.ts): the bench measures, and the package ships, exactly what
 * `NodejsFunction` bundles for `cdk deploy` in this project.
 */
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { HANDLER_ENTRY, PROJECT_ROOT, ROTATOR_BUNDLE } from '../lib/rotator/function.js';

const {
  format,
  platform,
  target,
  mainFields,
  minifyWhitespace,
  minifySyntax,
  minifyIdentifiers,
  keepNames,
  sourcemap,
  sourcesContent,
  banner,
} = ROTATOR_BUNDLE;

/** Bundle lambda/handler.ts as the construct does: everything, the AWS SDK included. */
export const FUNCTION_BUILD_OPTIONS: BuildOptions = {
  entryPoints: [HANDLER_ENTRY],
  bundle: true,
  format,
  platform,
  target,
  mainFields: [...mainFields],
  minifyWhitespace,
  minifySyntax,
  minifyIdentifiers,
  keepNames,
  sourcemap,
  sourcesContent,
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  banner: { js: banner },
  logLevel: 'warning',
};
