/**
 * Cold start: how long a fresh Node.js process takes to load the bundled function, beside a bare
 * `node -e ''`. Each run is a new `process.execPath` process; the kinds are interleaved so a
 * passing disturbance spreads over all of them.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { BuiltFunction } from './bundle.js';
import { fmtBytes, fmtMs, median, quantile, type ReportOutput, type Row } from './report.js';

/** One kind of process measured, every run's figures. */
export interface ColdStartKind {
  readonly label: string;
  /** Wall time from spawn to exit, per run. */
  readonly processMs: number[];
  /** `import()` of the bundle inside the process, per run (absent for the bare process). */
  readonly importMs: number[];
  /** RSS once imported, per run. */
  readonly rssBytes: number[];
}

/** One kind of process measured, summarized over its runs. */
export interface ColdStartSummary {
  readonly label: string;
  readonly processMedianMs: number;
  readonly processP90Ms: number;
  readonly importMedianMs?: number;
  readonly importP90Ms?: number;
  readonly rssMedianBytes: number;
}

/** Environment of the measured processes: nothing of the bench's own (no NODE_OPTIONS, no loaders). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'])
    if (process.env[key] !== undefined) env[key] = process.env[key]!;
  return { ...env, ...extra };
}

/**
 * Spawn each process kind `runs` times, interleaved, after one unmeasured round.
 *
 * `functionEnv`: the environment the import runs with. The function builds its rotator (reads and
 * validates its configuration, creates its SDK clients) while it loads, as at Lambda's INIT, so
 * it needs a valid configuration to do the work it does in production.
 */
export function measureColdStart(
  bundleFile: string,
  runs: number,
  functionEnv: Record<string, string>,
): ColdStartSummary[] {
  const url = pathToFileURL(bundleFile).href;
  const probe =
    `const t=performance.now();await import(${JSON.stringify(url)});const ` +
    'ms=performance.now()-t;process.stdout.write(JSON.stringify({ms,rss:process.memoryUsage().rss}))';
  const bareProbe = `process.stdout.write(JSON.stringify({rss:process.memoryUsage().rss}))`;
  const kinds: Array<{ label: string; args: string[]; env: Record<string, string> }> = [
    { label: "bare `node -e ''`", args: ['-e', ''], env: cleanEnv() },
    { label: 'bare node (reporting its RSS)', args: ['-e', bareProbe], env: cleanEnv() },
    { label: 'import the bundle', args: ['--input-type=module', '-e', probe], env: cleanEnv(functionEnv) },
    {
      label: 'import the bundle, --enable-source-maps (as deployed)',
      args: ['--enable-source-maps', '--input-type=module', '-e', probe],
      env: cleanEnv(functionEnv),
    },
  ];
  const results: ColdStartKind[] = kinds.map(({ label }) => ({ label, processMs: [], importMs: [], rssBytes: [] }));
  // One unmeasured round first: file cache and the binary's pages.
  for (let round = -1; round < runs; round += 1) {
    kinds.forEach(({ args, env }, index) => {
      const started = performance.now();
      const child = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
      const wallMs = performance.now() - started;
      if (child.status !== 0) throw new Error(`cold start probe failed (${kinds[index]!.label}): ${child.stderr}`);
      if (round < 0) return;
      const result = results[index]!;
      result.processMs.push(wallMs);
      if (child.stdout) {
        const reported = JSON.parse(child.stdout) as { ms?: number; rss: number };
        if (reported.ms !== undefined) result.importMs.push(reported.ms);
        result.rssBytes.push(reported.rss);
      }
    });
  }
  return results.map((result) => ({
    label: result.label,
    processMedianMs: median(result.processMs),
    processP90Ms: quantile(result.processMs, 0.9),
    ...(result.importMs.length > 0
      ? { importMedianMs: median(result.importMs), importP90Ms: quantile(result.importMs, 0.9) }
      : {}),
    rssMedianBytes: median(result.rssBytes),
  }));
}

function coldStartRows(fn: BuiltFunction, summaries: ColdStartSummary[]): { size: Row[]; timing: Row[] } {
  return {
    size: [
      ['file', 'bytes', 'gzip -9'],
      ['index.mjs', fmtBytes(fn.bytes), fmtBytes(fn.gzipBytes)],
      ['index.mjs.map', fmtBytes(fn.mapBytes), fmtBytes(fn.mapGzipBytes)],
      ['both (≈ the upload zip)', fmtBytes(fn.bytes + fn.mapBytes), fmtBytes(fn.gzipBytes + fn.mapGzipBytes)],
    ],
    timing: [
      [
        'process',
        'wall, spawn to exit: median (ms)',
        'p90 (ms)',
        'import() inside: median (ms)',
        'p90 (ms)',
        'RSS after (MiB)',
      ],
      ...summaries.map((summary) => [
        summary.label,
        fmtMs(summary.processMedianMs),
        fmtMs(summary.processP90Ms),
        summary.importMedianMs === undefined ? '-' : fmtMs(summary.importMedianMs),
        summary.importP90Ms === undefined ? '-' : fmtMs(summary.importP90Ms),
        Number.isFinite(summary.rssMedianBytes) ? (summary.rssMedianBytes / 1024 / 1024).toFixed(1) : '-',
      ]),
    ],
  };
}

/**
 * The report's "Cold start" section: the bundle's size, and {@link measureColdStart}'s `runs` runs of each process
 * kind.
 */
export function renderColdStartSection(
  out: ReportOutput,
  fn: BuiltFunction,
  summaries: ColdStartSummary[],
  runs: number,
): void {
  out.heading('Cold start');
  const cold = coldStartRows(fn, summaries);
  out.text(
    'The function bundled as lib/s3-credential-rotator.ts bundles it (esbuild: ESM, whitespace and syntax minified ' +
      'with identifiers kept as written, source map without sources, target node24, AWS SDK included, ' +
      'createRequire banner):',
  );
  out.table(cold.size);
  out.text(
    `A fresh \`process.execPath\` process per run, ${runs} runs of each, interleaved; "import()" is timed inside the ` +
      "process (Lambda's INIT: module evaluation, which reads and validates the configuration, one target here, " +
      'and creates the SDK clients; nothing is sent until the first invocation).',
  );
  out.table(cold.timing);
}
