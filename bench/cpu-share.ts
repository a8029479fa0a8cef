/**
 * Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), so 256 MB is about
 * 14% of one. The bench's child otherwise has a whole core of this machine. A Linux CFS quota
 * (a cgroup with `quota / period` = the share) gives it Lambda's share, when this machine lets
 * the bench create a cgroup (root and a cgroup v1 `cpu` or v2 hierarchy with the cpu controller);
 * otherwise the figures are skipped, saying why.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Memory at which Lambda gives a function one full vCPU. */
export const MB_PER_VCPU = 1769;
/** The CFS period (Linux's default); the quota is share × period. */
export const CFS_PERIOD_US = 100_000;

export interface CpuLimit {
  /** e.g. "cgroup v1, 14,472 µs per 100,000 µs" */
  readonly description: string;
  /** Move a process (all its threads) under the quota. */
  add(pid: number): void;
  /** Remove the cgroup (its processes must have exited). */
  remove(): void;
}

export type CpuLimitResult = { readonly limit: CpuLimit } | { readonly unavailable: string };

/**
 * Share of one CPU Lambda gives `memoryMb`; capped at one, as the function runs on one thread (more vCPUs come above
 * 1,769 MB).
 */
export const lambdaCpuShare = (memoryMb: number) => Math.min(1, memoryMb / MB_PER_VCPU);

/** A cgroup limiting its processes to `share` of one CPU, or why there cannot be one here. */
export function limitCpu(share: number, name = `aep-rotator-bench-${process.pid}`): CpuLimitResult {
  const quotaUs = Math.max(1000, Math.round(share * CFS_PERIOD_US));
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = '/sys/fs/cgroup';
  try {
    if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
      const dir = join(v1, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      return {
        limit: cgroup(
          dir,
          `cgroup v1, ${quotaUs.toLocaleString('en-US')} µs of CPU per ${CFS_PERIOD_US.toLocaleString('en-US')} µs`,
        ),
      };
    }
    if (existsSync(join(v2, 'cgroup.controllers'))) {
      if (!readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) {
        writeFileSync(join(v2, 'cgroup.subtree_control'), '+cpu');
      }
      const dir = join(v2, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${CFS_PERIOD_US}`);
      return {
        limit: cgroup(
          dir,
          `cgroup v2, ${quotaUs.toLocaleString('en-US')} µs of CPU per ${CFS_PERIOD_US.toLocaleString('en-US')} µs`,
        ),
      };
    }
    return { unavailable: 'no cgroup cpu controller under /sys/fs/cgroup' };
  } catch (error) {
    return {
      unavailable:
        `cannot create a cgroup here (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        'run the bench as root on Linux for these figures',
    };
  }
}

function cgroup(dir: string, description: string): CpuLimit {
  return {
    description,
    add(pid) {
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    },
    remove() {
      try {
        rmdirSync(dir);
      } catch {
        // Still busy or already gone: harmless, and the next run reuses the name's parent only.
      }
    },
  };
}
