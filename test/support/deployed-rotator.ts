/**
 * `rotate` against a deployed function: one CLI world per test file (started once), with three targets,
 * one per way of minting (a chained role with an external id, an IAM user's keys, GetSessionToken).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startCliWorld, type CliWorld } from './cli-world.js';

/** Who the CLI's credentials say they are (the function's role, in these tests). */
export const FUNCTION_ROLE_CALLER =
  'arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-function/aep-s3-rotator-function';

/**
 * Registers the file's hooks: starts the world before its tests (`onStart` receives it, as `t`, and
 * its connection ids, as `ids`), clears Flow Service's and Lambda's faults after each test, and
 * closes the world after the last.
 */
export function useDeployedRotator(onStart: (started: { t: CliWorld; ids: string[] }) => void): void {
  let world: CliWorld | undefined;
  beforeAll(async () => {
    world = await startCliWorld({
      connections: [
        { sandboxName: 'prod', method: 'assume-role-chained', externalId: 'aep-orders-7f3a' },
        { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 21_600 },
        { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 43_200 },
      ],
    });
    onStart({ t: world, ids: world.world.connectionIds });
  });
  afterAll(() => world?.close());
  afterEach(() => {
    world?.world.emulators.flowService.clearFaults();
    world?.lambda.clearFaults();
  });
}
