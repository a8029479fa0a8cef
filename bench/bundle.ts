/**
 * Bundles for the benchmark: the function exactly as the CDK construct bundles it
 * (lib/s3-credential-rotator.ts, `bundling`), and the bench's own child-process entries.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

/** The repository's root directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `banner` of the construct: CommonJS dependencies call require(); ESM output has none. */
export const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * What NodejsFunction runs esbuild with for the construct's `bundling` props: ESM, whitespace and
 * syntax minified (identifiers not renamed, so no keepNames needed), source map without sources,
 * target node24, everything bundled including the AWS SDK.
 */
export const FUNCTION_BUILD_OPTIONS: BuildOptions = {
  entryPoints: [join(PROJECT_ROOT, 'lambda', 'handler.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: false,
  keepNames: false,
  sourcemap: true,
  sourcesContent: false,
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
};

/**
 * Problems found comparing the construct's bundling settings with {@link FUNCTION_BUILD_OPTIONS}
 * (empty: in step).
 *
 * This is the one place that reads the construct's settings, by scanning the source of
 * lib/s3-credential-rotator.ts for each expected setting: the construct does not export them. Once
 * they live in an importable module, replace this function's body with a comparison against that
 * import; nothing else in the bench reads the construct.
 */
export function constructBundlingDrift(): string[] {
  const constructFile = join(PROJECT_ROOT, 'lib', 's3-credential-rotator.ts');
  // Settings the construct is expected to hold; a warning names any that changed there.
  const expectedSettings: Array<[string, RegExp]> = [
    ['format: OutputFormat.ESM', /format:\s*OutputFormat\.ESM/],
    ['target: node24', /target:\s*'node24'/],
    ['minify: false', /minify:\s*false/],
    ["esbuildArgs: { '--minify-whitespace': true, '--minify-syntax': true }", /esbuildArgs:\s*\{\s*'--minify-whitespace':\s*true,\s*'--minify-syntax':\s*true\s*\}/],
    ['keepNames: false', /keepNames:\s*false/],
    ['sourceMap: true', /sourceMap:\s*true/],
    ['sourcesContent: false', /sourcesContent:\s*false/],
    ['bundleAwsSDK: true', /bundleAwsSDK:\s*true/],
    ["mainFields: ['module', 'main']", /mainFields:\s*\['module',\s*'main'\]/],
    ['the createRequire banner', /createRequire\(import\.meta\.url\)/],
    ["NODE_OPTIONS: '--enable-source-maps'", /NODE_OPTIONS:\s*'--enable-source-maps'/],
  ];
  let source: string;
  try {
    source = readFileSync(constructFile, 'utf8');
  } catch {
    return [`${constructFile} not found: the bench bundles with the settings in bench/bundle.ts`];
  }
  return expectedSettings.filter(([, pattern]) => !pattern.test(source)).map(
    ([setting]) => `lib/s3-credential-rotator.ts no longer shows ${setting}; update bench/bundle.ts to bundle as the construct does`,
  );
}

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
