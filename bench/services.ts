/**
 * The emulated services a bench run talks to (emulators/world.ts, in the bench's own process):
 * seeding them, delaying their answers, the function's environment against them, and the bare
 * round trip a request to one of them costs.
 */
import { request as httpRequest, Agent } from 'node:http';
import { startWorld, type World } from '../emulators/world.js';
import { SERVICES } from './floor.js';
import { median } from './report.js';
import type { TutorialOptions, TutorialTarget } from './tutorial-baseline.js';

/**
 * Start the emulators seeded with `connections` S3 connections, alternately in the `dev` and
 * `prod` sandboxes, and say how long the seeding took.
 */
export async function seedWorld(connections: number): Promise<{ world: World; seedMs: number }> {
  const started = performance.now();
  const world = await startWorld({
    connections: Array.from({ length: connections }, (_, index) => ({ sandboxName: index % 2 ? 'prod' : 'dev' })),
  });
  return { world, seedMs: performance.now() - started };
}

/** Make every emulator answer each request `ms` after it arrived. */
export function setLatency(world: World, ms: number): void {
  for (const service of SERVICES) world.emulators[service].setLatency(ms);
}

/**
 * The function's environment against `world`, as Lambda gives it (its name names the metrics'
 * rotator dimension): its metrics on, each connection's embedded-metric document written to the
 * child's stdout as to Lambda's log pipe; its log lines silenced (they would only cost time here).
 */
export const functionEnv = (world: World) => ({
  ...world.env,
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_LAMBDA_FUNCTION_NAME: 'aep-s3-rotator-bench',
});

/** What the operator following Adobe's tutorial has at hand for `world`'s connections. */
export function tutorialOptions(world: World): TutorialOptions {
  const targets = world.targets.map((target) => target as unknown as TutorialTarget);
  return {
    imsUrl: world.env.ADOBE_IMS_URL!,
    flowServiceUrl: world.env.FLOW_SERVICE_URL!,
    clientId: world.adobe.clientId,
    clientSecret: world.adobe.clientSecret,
    orgId: world.adobe.orgId,
    targets,
  };
}

/**
 * Round trip of a bare request to an emulator (a 401 answered after the delay), from an idle client: the median of
 * `count`, after one unmeasured.
 */
async function measureRoundTrip(url: string, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = httpRequest(`${url}/connections/00000000-0000-0000-0000-000000000000`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      });
      req.on('error', reject);
      req.end();
    });
  await once();
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) times.push(await once());
  agent.destroy();
  return median(times);
}

/**
 * The bare round trip ({@link measureRoundTrip}, 30 requests) to Flow Service when every emulator answers after
 * `delayMs`.
 */
export async function measureRoundTripAt(delayMs: number): Promise<number> {
  const { world } = await seedWorld(0);
  setLatency(world, delayMs);
  const roundTripMs = await measureRoundTrip(world.emulators.flowService.url, 30);
  await world.close();
  return roundTripMs;
}
