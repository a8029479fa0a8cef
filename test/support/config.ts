/**
 * The cdk.json configuration, for the tests of its parser: the problems a raw configuration makes
 * it refuse, the sample edited, and a configuration of one target.
 */
import { expect } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../lib/config/config.js';
import { rawSampleConfig } from './cdk.js';

/** The connection of {@link singleTarget}'s target. */
export const CONFIG_TEST_ID = '0b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b';

/** Problems reported for `raw` (the test fails if it parses). */
export function configProblems(raw: unknown): string[] {
  try {
    parseRotatorConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('expected a ConfigValidationError');
}

/** The sample with `edit` applied. */
export function editedSample(edit: (raw: ReturnType<typeof rawSampleConfig>) => void) {
  const raw = rawSampleConfig();
  edit(raw);
  return raw;
}

/** One target (the sample's others removed), so schedule checks see only it. */
export function singleTarget(target: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { targets: [{ connectionId: CONFIG_TEST_ID, sandboxName: 'prod', ...target }], ...extra };
}
