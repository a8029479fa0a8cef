/**
 * Bundles for the benchmark: the function exactly as the CDK construct bundles it (its settings
 * are imported from lib/rotator/function.ts, through scripts/function-build-options.ts), and the
 * bench's own child-process entries.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ROTATOR_BUNDLE } from '../lib/rotator/function.js';
import { FUNCTION_BUILD_OPTIONS } from '../scripts/function-build-options.js';

/** The repository's root directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `banner` of the construct: CommonJS dependencies call require(); ESM output has none. */
export const REQUIRE_BANNER = ROTATOR_BUNDLE.banner;

/** The bundled function: where it is, its size (plain and gzipped, with its source map) and how long esbuild took. */
export interface BuiltFunction {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly mapGzipBytes: number;
  readonly buildMs: number;
}

/** Bundle lambda/handler.ts with {@link FUNCTION_BUILD_OPTIONS} into `outDir/function/index.mjs`, and measure it. */
export async function bundleFunction(outDir: string): Promise<BuiltFunction> {
  const file = join(outDir, 'function', 'index.mjs');
  const started = performance.now();
  await build({ ...FUNCTION_BUILD_OPTIONS, outfile: file });
  const buildMs = performance.now() - started;
  const code = readFileSync(file);
  const map = readFileSync(`${file}.map`);
  return {
    file,
    bytes: statSync(file).size,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    mapBytes: map.length,
    mapGzipBytes: gzipSync(map, { level: 9 }).length,
    buildMs,
  };
}

/** A bench entry (TypeScript) as one plain .mjs, so child processes run without a TypeScript loader. */
export async function bundleEntry(entry: string, outFile: string): Promise<string> {
  await build({
    entryPoints: [join(PROJECT_ROOT, 'bench', entry)],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    keepNames: true,
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
  return outFile;
}
