/**
 * A fresh "container": the parent side of bench/child.ts. Bundles what the child runs, forks it
 * with the flags Lambda would start the function with, sends it one task and waits for its report.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { World } from '../emulators/world.js';
import { DEFAULT_CONCURRENCY } from '../core/contract.js';
import { DEFAULT_MEMORY_MB } from '../core/rotation-rules.js';
import { bundleEntry, bundleFunction, type BuiltFunction } from './bundle.js';
import type { ChildReport, ChildRun, ChildTask } from './child.js';
import { cleanEnv } from './cold-start.js';
import type { CpuLimit } from './cpu-share.js';
import { functionEnv, tutorialOptions } from './services.js';

/** The function's memory (the construct's `memorySize`). */
export const FUNCTION_MEMORY_MB = DEFAULT_MEMORY_MB;
/** The function's concurrency (its `ROTATION_CONCURRENCY` default). */
export const FUNCTION_CONCURRENCY = DEFAULT_CONCURRENCY;

/**
 * How the function's process runs: NODE_OPTIONS of the construct (--enable-source-maps), and the
 * flags Lambda's Node.js bootstrap adds: --expose-gc and heap limits derived from the configured
 * memory (new space = memory/10, semi-space = half of it, old space = the rest), so V8 collects as
 * it would in a Lambda sandbox of that memory rather than as on this machine.
 */
export const nodeFlagsFor = (memoryMb: number) => [
  '--enable-source-maps',
  '--expose-gc',
  `--max-semi-space-size=${Math.floor(Math.floor(memoryMb / 10) / 2)}`,
  `--max-old-space-size=${memoryMb - Math.floor(memoryMb / 10)}`,
];

/** {@link nodeFlagsFor} the construct's default memory. */
export const FUNCTION_NODE_FLAGS = nodeFlagsFor(FUNCTION_MEMORY_MB);

/** What the bench bundled into `dir`: the function, the child entry and the tutorial baseline. */
export interface BenchArtifacts {
  readonly dir: string;
  readonly fn: BuiltFunction;
  readonly childFile: string;
  readonly baselineUrl: string;
}

/** Bundle the function as the construct does, and the bench's child entries, into `dir`. */
export async function buildArtifacts(dir: string): Promise<BenchArtifacts> {
  const fn = await bundleFunction(dir);
  const childFile = await bundleEntry('child.ts', join(dir, 'child.mjs'));
  const baselineFile = await bundleEntry('tutorial-baseline.ts', join(dir, 'tutorial-baseline.mjs'));
  return { dir, fn, childFile, baselineUrl: pathToFileURL(baselineFile).href };
}

/** The task of invoking the bundled function's handler twice (cold, then warm) against `world`. */
export function handlerTask(artifacts: BenchArtifacts, world: World): ChildTask {
  return { kind: 'handler', moduleUrl: pathToFileURL(artifacts.fn.file).href, env: functionEnv(world), invocations: 2 };
}

/** The task of rotating `world`'s connections as Adobe's tutorial does, by hand. */
export function baselineTask(artifacts: BenchArtifacts, world: World): ChildTask {
  return {
    kind: 'baseline',
    moduleUrl: artifacts.baselineUrl,
    env: functionEnv(world),
    options: tutorialOptions(world),
  };
}

/**
 * Fork a fresh child with `execArgv` (and, given one, under `cpuLimit`), send it `task` and
 * resolve with its report once it has exited; reject if it fails, exits without a report, or
 * takes longer than `timeoutMs` (then it is killed).
 */
export async function runChild(
  artifacts: BenchArtifacts,
  task: ChildTask,
  execArgv: string[],
  timeoutMs: number,
  cpuLimit?: CpuLimit,
): Promise<ChildReport> {
  const child = fork(artifacts.childFile, [], {
    execPath: process.execPath,
    execArgv,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Before the task is sent: the child does nothing until then, so all its work is under the quota.
  if (cpuLimit) cpuLimit.add(child.pid!);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<ChildReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`benchmark child (${task.kind}) did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let answer: { ok: boolean; report?: ChildReport; error?: string } | undefined;
    child.once('message', (message: typeof answer) => (answer = message));
    // Settle on exit (after the report): the child is reaped by then, so its CPU time is counted.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (answer?.ok) resolve(answer.report!);
      else if (answer) reject(new Error(`benchmark child (${task.kind}) failed: ${answer.error}\n${output}`));
      else reject(new Error(`benchmark child (${task.kind}) exited (${signal ?? code}) without a report\n${output}`));
    });
    child.send(task);
  });
}

/**
 * Throw unless `run` rotated all `connections` with no failure: figures of a run that did not
 * rotate everything would measure something else. `what` names the run in the message.
 */
export function assertEveryConnectionRotated(
  what: string,
  run: Pick<ChildRun, 'rotated' | 'failed' | 'error'>,
  connections: number,
): void {
  if (run.rotated !== connections || run.failed !== 0) {
    throw new Error(
      `${what}: ${run.rotated} of ${connections} rotated, ${run.failed} failed${run.error ? `: ${run.error}` : ''}`,
    );
  }
}
