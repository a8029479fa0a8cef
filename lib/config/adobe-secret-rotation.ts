/**
 * The `adobeSecretRotation` key of the `rotator` configuration (cdk.json): Secrets Manager rotates
 * the Adobe client secret through Adobe's I/O Management API every `everyDays` days
 * (lib/rotator/adobe-secret-rotation.ts). lib/config/schema.ts spreads the schema into the root
 * object; both fields are checked by the setting rules (core/setting-rules.ts), as the construct's props are.
 *
 * @example
 * "adobeSecretRotation": { "everyDays": 30 }
 */
import { z } from 'zod';
import { DEFAULT_ADOBE_CONSOLE_API_URL, DEFAULT_ROTATION_DAYS } from '../../core/adobe-secret-rotation.js';
import { bySettingRules } from './by-rules.js';

/** The rotation, validated, defaults applied. */
export interface AdobeSecretRotationConfig {
  /** Days between rotations, 1 to 1000. Omitted: 30. */
  readonly everyDays: number;
  /** Adobe's I/O Management API. Omitted: `https://api.adobe.io`. */
  readonly consoleApiUrl: string;
}

/** What the root configuration gains. */
export interface AdobeSecretRotationConfigs {
  /**
   * Omitted: the client secret is not rotated by Secrets Manager (cdk-nag's AwsSolutions-SMG4 is acknowledged, saying
   * how to turn this on).
   */
  readonly adobeSecretRotation?: AdobeSecretRotationConfig;
}

export const adobeSecretRotationSchema = z
  .object(
    {
      everyDays: z
        .number({ error: 'must be a whole number of days from 1 to 1000' })
        .superRefine(bySettingRules('adobeSecretRotationDays'))
        .default(DEFAULT_ROTATION_DAYS),
      consoleApiUrl: z
        .string({ error: 'must be a string' })
        .superRefine(bySettingRules('adobeSecretRotationConsoleApiUrl'))
        .default(DEFAULT_ADOBE_CONSOLE_API_URL),
    },
    { error: 'must be an object: { "everyDays"?: 30, "consoleApiUrl"?: "https://api.adobe.io" }' },
  )
  .strict();

/** The schema of the key, to spread into the root object schema. */
export const adobeSecretRotationFieldSchemas = {
  adobeSecretRotation: adobeSecretRotationSchema.optional(),
};
