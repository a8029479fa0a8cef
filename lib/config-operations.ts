/**
 * The operations keys of the `rotator` configuration (cdk.json): what an operator changes to run
 * the rotator, not to build it. Today `enabled`, which deploys the rotator paused.
 * lib/config.ts spreads these schemas into the root object; every refusal shows the value it got.
 */
import { z } from 'zod';

/** The operations keys, validated, defaults applied. */
export interface OperationsConfig {
  /**
   * Whether the rotator runs on its schedule. `false` deploys it paused: the schedule disabled,
   * every alarm's actions disabled (the construct's `enabled` prop). Omitted: true.
   */
  readonly enabled: boolean;
}

/** The schemas of the operations keys, to spread into the root object schema. */
export const operationsFieldSchemas = {
  enabled: z.boolean({ error: 'must be true (run on the schedule) or false (deploy paused: schedule disabled, alarms silent)' }).default(true),
};
