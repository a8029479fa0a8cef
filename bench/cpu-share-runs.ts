/**
 * The CPU-share runs: 100 connections with the function's process under a CFS quota of
 * memory / 1,769 MB of one CPU, as Lambda allots it (bench/cpu-share.ts), for common memory sizes
 * up to one full vCPU. Skipped, saying why, where the bench cannot create a cgroup.
 */
import { FUNCTION_MEMORY_MB, type BenchArtifacts } from './container.js';
import { lambdaCpuShare, limitCpu, MB_PER_VCPU } from './cpu-share.js';
import { fmtInt, type ReportOutput } from './report.js';
import { scenarioProgress, scenarioRows, scenarioRun, type ScenarioResult } from './scenario-run.js';

/** Connections of each CPU-share run. */
export const SHARE_CONNECTIONS = 100;
/** Memory sizes for the CPU-share runs: common small sizes up to one full vCPU (the construct's default). */
export const SHARE_MEMORY_MB = [256, 512, 1024, MB_PER_VCPU];

/** The CPU-share runs made, and how the CPU was limited, or why it could not be. */
export interface CpuShareRuns {
  readonly results: ScenarioResult[];
  /** e.g. "cgroup v2" */
  readonly limit?: string;
  /** Why there are no (or not all) figures, e.g. no permission to create a cgroup. */
  readonly unavailable?: string;
}

/** One run per memory size in {@link SHARE_MEMORY_MB} at `delayMs`, each under its CPU share; prints progress. */
export async function runCpuShare(artifacts: BenchArtifacts, delayMs: number): Promise<CpuShareRuns> {
  const results: ScenarioResult[] = [];
  let limit: string | undefined;
  for (const memoryMb of SHARE_MEMORY_MB) {
    const limited = limitCpu(lambdaCpuShare(memoryMb));
    if ('unavailable' in limited) {
      console.log(`CPU share: skipped, ${limited.unavailable}`);
      return { results, unavailable: limited.unavailable };
    }
    try {
      process.stdout.write(
        `CPU share: ${SHARE_CONNECTIONS} connections at ${memoryMb} MB (${limited.limit.description})...`,
      );
      const result = await scenarioRun(artifacts, SHARE_CONNECTIONS, delayMs, memoryMb, limited.limit);
      results.push(result);
      limit ??= limited.limit.description.replace(/^(cgroup v\d).*/, '$1');
      console.log(scenarioProgress(result));
    } finally {
      limited.limit.remove();
    }
  }
  return { results, ...(limit ? { limit } : {}) };
}

/** The report's "Lambda's CPU share" section. */
export function renderCpuShareSection(out: ReportOutput, runs: CpuShareRuns, delayMs: number): void {
  out.heading(`Lambda's CPU share (${fmtInt(SHARE_CONNECTIONS)} connections, d = ${delayMs} ms)`);
  if (runs.unavailable) {
    out.text(`Not measured on this run: ${runs.unavailable}.`);
    return;
  }
  out.text(
    `Lambda gives a function CPU in proportion to its memory, one vCPU at ${fmtInt(MB_PER_VCPU)} MB; ` +
      "every figure above ran on a whole core of this machine, with the heap flags of the construct's " +
      `${fmtInt(FUNCTION_MEMORY_MB)} MB. Here the child runs under a Linux CFS quota of each memory size's share ` +
      `(${runs.limit ?? 'cgroup'}, period 100 ms) with that size's heap flags. Below one vCPU a rotation is ` +
      "CPU-bound: it lasts longer for about the same cost (Lambda bills GB-seconds), which is why the construct's " +
      `default memory is ${fmtInt(FUNCTION_MEMORY_MB)} MB (\`memorySize\` to change it).`,
  );
  out.table(scenarioRows(runs.results, 'memory'));
}
