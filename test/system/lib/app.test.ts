/**
 * bin/app.ts as the CDK CLI runs it (context in CDK_CONTEXT_JSON, output in CDK_OUTDIR): a broken
 * configuration stops synth with the field named and no stack trace; the sample synthesizes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { PROJECT_ROOT, rawSampleConfig } from '../../support/index.js';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function runApp(context: Record<string, unknown>): Promise<{ status: number | null; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'rotator-app-test-'));
  outdirs.push(outdir);
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bin', 'app.ts')], {
    cwd: PROJECT_ROOT,
    // Skip bundling: this test is about reading the configuration, not esbuild.
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      CDK_OUTDIR: outdir,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, outdir }));
  });
}

// Each test starts its own process: run them side by side.
describe.concurrent('bin/app.ts', () => {
  it('synthesizes the sample configuration', async ({ expect }) => {
    const { status, stderr, outdir } = await runApp({ rotator: rawSampleConfig() });

    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(existsSync(join(outdir, 'AepS3CredentialRotator.template.json'))).toBe(true);
    // A whole synth with both cdk-nag packs, beside the other processes of this file: about 25 s on two busy cores.
  }, 60_000);

  it('fails when the configuration is broken, naming each field without a stack trace', async ({ expect }) => {
    const raw = rawSampleConfig();
    raw.targets[1]!.durationSeconds = 7200;
    raw.targets[0]!.createRole = { bucketName: 'Acme_Landing' };
    raw.targets[2]!.bucketName = 'Acme_Dev_Ingest';
    Object.assign(raw, {
      encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/aep-rotator',
      tags: { 'aws:owner': 'data' },
    });

    const { status, stderr } = await runApp({ rotator: raw });

    expect(status).toBe(1);
    expect(stderr).toContain('Invalid rotator configuration (cdk.json context "rotator"):');
    expect(stderr).toContain('  - targets[0].createRole.bucketName: "Acme_Landing" is not a valid bucket name');
    expect(stderr).toContain('  - targets[1].durationSeconds: 7200 is above 3600');
    expect(stderr).toContain(
      '  - targets[2].bucketName: "Acme_Dev_Ingest" is not a valid bucket name; S3 requires 3 to 63 lower-case letters',
    );
    expect(stderr).toContain(
      '  - encryptionKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/aep-rotator" is a KMS alias ARN; ' +
        'give the ARN of the key it points to',
    );
    expect(stderr).toContain(
      '  - tags: key "aws:owner" starts with "aws:", which AWS keeps for its own tags; choose another key',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('fails when there is no configuration at all', async ({ expect }) => {
    const { status, stderr } = await runApp({});

    expect(status).toBe(1);
    expect(stderr).toContain('rotator: is required; add it to the "context" of cdk.json');
  });
});
