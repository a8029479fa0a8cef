/**
 * The Adobe secret rotation function's environment: the third door of the setting rules (core/setting-rules.ts), with
 * the same words as cdk.json and the construct for the same mistake.
 */
import { describe, expect, it } from 'vitest';
import { loadRotationConfig } from '../../../lambda/adobe-secret-rotation.js';
import { loadConfig } from '../../../lambda/config.js';
import { DEFAULT_IMS_URL } from '../../../core/contract.js';
import { SETTING_DOORS, settingProblems } from '../../../core/setting-rules.js';
import { env, problemsOf } from './config-env.js';

describe('loadRotationConfig', () => {
  it("defaults to Adobe's endpoints and drops a trailing slash", () => {
    expect(loadRotationConfig({})).toEqual({ imsUrl: DEFAULT_IMS_URL, consoleApiUrl: 'https://api.adobe.io' });
    expect(loadRotationConfig({ ADOBE_CONSOLE_API_URL: 'http://127.0.0.1:4010/' }).consoleApiUrl).toBe(
      'http://127.0.0.1:4010',
    );
  });

  it('refuses every bad endpoint at once, in the rule table’s words and the variables’ names', () => {
    const problems = problemsOf(() =>
      loadRotationConfig({ ADOBE_IMS_URL: 'ims', ADOBE_CONSOLE_API_URL: 'http://api.adobe.io' }),
    );
    expect(problems).toEqual(
      settingProblems(
        { imsUrl: 'ims', adobeSecretRotationConsoleApiUrl: 'http://api.adobe.io' },
        SETTING_DOORS.function,
      ).map((problem) => problem.line),
    );
    expect(problems).toEqual([
      'ADOBE_IMS_URL: "ims" is not a URL',
      expect.stringMatching(/^ADOBE_CONSOLE_API_URL: must use https:\/\//),
    ]);
  });

  it("says what the rotator's own function says of the same variable", () => {
    const rotator = problemsOf(() => loadConfig({ env: env({ ADOBE_CONSOLE_API_URL: 'http://api.adobe.io' }) }));
    const rotation = problemsOf(() => loadRotationConfig({ ADOBE_CONSOLE_API_URL: 'http://api.adobe.io' }));
    expect(rotation).toHaveLength(1);
    expect(rotator).toContain(rotation[0]);
  });
});
