/**
 * The operations keys of the `rotator` configuration (cdk.json): what an operator changes to run
 * the rotator, not to build it: `enabled`, which deploys the rotator paused, and `targetsDelivery`.
 * lib/config/config.ts spreads these schemas into the root object; every refusal shows the value it got.
 */
import { z } from 'zod';
import { TARGETS_DELIVERIES, type TargetsDeliveryName } from '../../core/targets-delivery-rules.js';

/** The operations keys, validated, defaults applied. */
export interface OperationsConfig {
  /**
   * Whether the rotator runs on its schedule. `false` deploys it paused: the schedule disabled,
   * every alarm's actions disabled (the construct's `enabled` prop). Omitted: true.
   */
  readonly enabled: boolean;
  /**
   * How the targets reach the function: `auto` (the environment while the list fits Lambda's 4 KB,
   * a bundled file beyond), `environment` or `file`. check-config applies the same rule as synth.
   */
  readonly targetsDelivery: TargetsDeliveryName;
}

/** The schemas of the operations keys, to spread into the root object schema. */
export const operationsFieldSchemas = {
  enabled: z
    .boolean({ error: 'must be true (run on the schedule) or false (deploy paused: schedule disabled, alarms silent)' })
    .default(true),
  targetsDelivery: z
    .enum(TARGETS_DELIVERIES, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a delivery; use one of ` +
        `${TARGETS_DELIVERIES.map((name) => `"${name}"`).join(', ')}`,
    })
    .default('auto'),
};
