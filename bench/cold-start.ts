/**
 * Cold start: how long a fresh Node.js process takes to load the bundled function, beside a bare
 * `node -e ''`. Each run is a new `process.execPath` process; the kinds are interleaved so a
 * passing disturbance spreads over all of them.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median, quantile } from './report.js';

export interface ColdStartKind {
  readonly label: string;
  /** Wall time from spawn to exit, per run. */
  readonly processMs: number[];
  /** `import()` of the bundle inside the process, per run (absent for the bare process). */
  readonly importMs: number[];
  /** RSS once imported, per run. */
  readonly rssBytes: number[];
}

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
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[key] !== undefined) env[key] = process.env[key]!;
  return { ...env, ...extra };
}

/**
 * `functionEnv`: the environment the import runs with. The function builds its rotator (reads and
 * validates its configuration, creates its SDK clients) while it loads, as at Lambda's INIT, so
 * it needs a valid configuration to do the work it does in production.
 */
export function measureColdStart(bundleFile: string, runs: number, functionEnv: Record<string, string>): ColdStartSummary[] {
  const url = pathToFileURL(bundleFile).href;
  const probe = `const t=performance.now();await import(${JSON.stringify(url)});const ms=performance.now()-t;process.stdout.write(JSON.stringify({ms,rss:process.memoryUsage().rss}))`;
  const bareProbe = `process.stdout.write(JSON.stringify({rss:process.memoryUsage().rss}))`;
  const kinds: Array<{ label: string; args: string[]; env: Record<string, string> }> = [
    { label: "bare `node -e ''`", args: ['-e', ''], env: cleanEnv() },
    { label: 'bare node (reporting its RSS)', args: ['-e', bareProbe], env: cleanEnv() },
    { label: 'import the bundle', args: ['--input-type=module', '-e', probe], env: cleanEnv(functionEnv) },
    { label: 'import the bundle, --enable-source-maps (as deployed)', args: ['--enable-source-maps', '--input-type=module', '-e', probe], env: cleanEnv(functionEnv) },
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
    ...(result.importMs.length > 0 ? { importMedianMs: median(result.importMs), importP90Ms: quantile(result.importMs, 0.9) } : {}),
    rssMedianBytes: median(result.rssBytes),
  }));
}
