/**
 * The demo, run as `npm run demo -- --verbose` runs it (function logs and EMF metrics included),
 * with all of its output captured: it succeeds, shows every connection, and prints none of the
 * secrets it used (Adobe client secret, IMS token, IAM-user and minted secret keys, session tokens).
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../scripts/demo.js';
import { captureOutput, findSecrets } from '../../support/index.js';

/** The demo run with all of its output captured (restored however it ends). */
async function runDemoCapturing(options: Parameters<typeof runDemo>[0]) {
  const capture = captureOutput();
  try {
    const outcome = await runDemo(options);
    return { outcome, output: capture.text() };
  } finally {
    capture.restore();
  }
}

describe('npm run demo', () => {
  it('rotates the seeded connections and prints no secret, even with the function logs shown', async () => {
    const { outcome, output } = await runDemoCapturing({ verbose: true });

    expect(outcome.exitCode).toBe(0);
    expect(output).toContain('5 rotated, 0 failed, 1 skipped');
    expect(output).toContain('rotated (after 1 etag conflict)');
    expect(output).toContain('5 of 5 were then explored by Flow Service with their new credentials');
    expect(output).toContain('and read a file in 4 of them (adobeCanRead');
    expect(output).toContain('lists, reads');
    expect(output).toContain('lists (no file)');
    expect(output).toContain('2 of 2 dataflow runs ingested with the new credentials');
    expect(output).toContain('"message":"connection rotated"');
    // The Adobe client secret rotates too, and the rotator's next run uses the new one.
    expect(output).toMatch(/createSecret ok {5}added [0-9a-f]{8} at Adobe/);
    expect(output).toContain('finishSecret ok     AWSCURRENT moved to version');
    expect(output).toContain('the old one is gone, and IMS refuses it');
    expect(output).toContain("The rotator's next run, in the same container: 5 rotated");
    expect(output).toContain('"message":"adobe secret rotation step succeeded"');
    expect(outcome.secrets.length).toBeGreaterThan(10);
    expect(findSecrets(output, outcome.secrets)).toEqual([]);
  });

  it(
    "with --with-failure shows a partial failure readably, with Adobe's code, and the one more attempt that rode " +
      'out an outage',
    async () => {
      const { outcome, output } = await runDemoCapturing({ withFailure: true });

      expect(outcome.exitCode).toBe(0);
      expect(output).toContain('5 rotated, 1 failed, 1 skipped');
      expect(output).toContain('FAILED (2118-403)');
      expect(output).toMatch(
        new RegExp(
          String.raw`Adobe code 2118-403:\n {2}Flow Service PATCH \/connections\/[0-9a-f-]+ failed with HTTP 403 ` +
            String.raw`\(2118-403\): .*Manage Sources in sandbox partner`,
        ),
      );
      expect(output).toContain('needs the Sources "manage" permission in sandbox partner');
      expect(output).toContain('rotated (on attempt 2)');
      expect(findSecrets(output, outcome.secrets)).toEqual([]);
    },
  );
});
