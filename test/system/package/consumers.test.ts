/**
 * The package as other CDK apps get it: packed, and installed into the consumer apps of
 * test/consumers/ by `npm run consumers:install` (which `.ci/run` runs first; it is the step that
 * needs the network). Here, offline: a stock `cdk init` app (CommonJS, Jest) runs its test that
 * synthesizes the construct, type-checks at its strictest, and runs the README example with
 * cdk-nag on the newest aws-cdk-lib; an ES module app runs the README example on the lowest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSUMERS_DIR, INSTALLED_MARKER } from '../../../scripts/consumers.js';
import { PROJECT_ROOT } from '../../support/index.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
};
const installed = existsSync(INSTALLED_MARKER);
const jestApp = join(CONSUMERS_DIR, 'cdk-init-jest');
const esmApp = join(CONSUMERS_DIR, 'esm-lowest');

/** Run `args` with this Node.js (the project's, 22 or newer) in `cwd`; throws with the output on a non-zero exit. */
function node(args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Synthesize `file` in `app` into a fresh cdk.out, and return its directory. */
function synth(app: string, file: string): string {
  const out = join(app, 'cdk.out');
  rmSync(out, { recursive: true, force: true });
  node([file], app, { CDK_OUTDIR: out });
  return out;
}

if (!installed) {
  // Not silent: CI must run these, and a developer should know they were left out.
  const why =
    `the consumer apps are not installed (${INSTALLED_MARKER} is missing): run \`npm run consumers:install\` (needs ` +
    'the npm registry) to run these tests';
  if (process.env.CI) throw new Error(`${why}; .ci/run installs them before the tests`);
  console.warn(`test/system/package/consumers.test.ts: skipped: ${why}`);
}

describe.skipIf(!installed)('the package in other CDK apps', () => {
  it('ships one CommonJS library, its types, the bundled function, the CLI, docs and license, no TS source', () => {
    const shipped = join(esmApp, 'node_modules', pkg.name);

    for (const file of [
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/function/index.mjs',
      'dist/cli/main.mjs',
      'LICENSE',
      'CHANGELOG.md',
      'docs/RUNBOOK.md',
    ]) {
      expect(existsSync(join(shipped, file)), file).toBe(true);
    }
    for (const source of ['lib', 'lambda', 'core', 'cli/main.ts'])
      expect(existsSync(join(shipped, source)), source).toBe(false);
    // aws-cdk-lib and constructs are the app's (peer dependencies), never nested copies.
    expect(existsSync(join(shipped, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });

  it('declares its types without zod or any internal type, citing only files it ships', () => {
    const shipped = join(esmApp, 'node_modules', pkg.name);
    const types = readFileSync(join(shipped, 'dist', 'index.d.cts'), 'utf8');

    const imported = [...types.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]!.split('/')[0]);
    expect([...new Set(imported)].sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(types).not.toContain('zod');
    const cited = [...new Set(types.match(/[\w./-]+\.(?:md|ts|js|mjs|cjs|json)\b/g) ?? [])].filter(
      (name) => name !== 'Node.js',
    );
    expect(cited.length).toBeGreaterThan(0);
    for (const file of cited)
      expect(existsSync(join(shipped, file.replace(/^\//, ''))), `${file}, cited in index.d.cts`).toBe(true);
  });

  it("passes a stock `cdk init` app's Jest test, which loads the package with require() and synthesizes it", () => {
    expect(() => node([join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--silent'], jestApp)).not.toThrow();
  });

  it('loads with require() where Node.js cannot require ES modules, and with import', () => {
    const required = node(
      [
        '--no-experimental-require-module',
        '-e',
        `process.stdout.write(typeof require('${pkg.name}').S3CredentialRotator)`,
      ],
      jestApp,
    );
    const imported = node(
      [
        '--input-type=module',
        '-e',
        `import { S3CredentialRotator } from '${pkg.name}'; process.stdout.write(typeof S3CredentialRotator)`,
      ],
      esmApp,
    );

    expect([required, imported]).toEqual(['function', 'function']);
  });

  it('type-checks in an app compiled to CommonJS, strict, with every .d.ts checked (skipLibCheck off)', () => {
    const output = node(
      [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.strict.json'],
      jestApp,
    );

    expect(output).toBe('');
  });

  const lowest = pkg.peerDependencies['aws-cdk-lib'];
  it(`synthesizes the README example as written on the lowest aws-cdk-lib the peer range allows (${lowest})`, () => {
    const installedCdk = JSON.parse(
      readFileSync(join(esmApp, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(`^${installedCdk.version}`).toBe(pkg.peerDependencies['aws-cdk-lib']);

    const out = synth(esmApp, 'app.ts');

    const template = JSON.parse(readFileSync(join(out, 'AepIngestCredentials.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.map((resource) => resource.Properties)).toEqual([
      expect.objectContaining({ Handler: 'index.handler', Runtime: 'nodejs24.x' }),
    ]);
    // The function the package ships, as an asset: no bundling in the app.
    expect(readdirSync(out).some((name) => name.startsWith('asset.') && existsSync(join(out, name, 'index.mjs')))).toBe(
      true,
    );
  });

  it('has no unacknowledged cdk-nag finding on the README example, e-mail too, with the newest aws-cdk-lib', () => {
    const out = synth(jestApp, 'readme-nag.mts');

    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        pluginName: string;
        conclusion: string;
        violations: unknown[];
        suppressedViolations: { ruleName: string }[];
      }[];
    };
    expect(
      report.pluginReports.map(({ pluginName, conclusion, violations }) => ({ pluginName, conclusion, violations })),
    ).toEqual([
      { pluginName: 'AwsSolutions', conclusion: 'success', violations: [] },
      { pluginName: 'Serverless', conclusion: 'success', violations: [] },
    ]);
    // The newest aws-cdk-lib knows a newer Node.js runtime; the acknowledgements hold across versions.
    expect(
      report.pluginReports.flatMap(({ suppressedViolations }) => suppressedViolations.map(({ ruleName }) => ruleName)),
    ).toEqual(
      expect.arrayContaining(['AwsSolutions-L1', 'Serverless-LambdaLatestVersion', 'Serverless-SNSRedrivePolicy']),
    );
  });

  it('runs the operator CLI from the package, without tsx', () => {
    const bin = join(esmApp, 'node_modules', pkg.name, 'cli', 'aep-s3-rotator.mjs');

    expect(existsSync(join(esmApp, 'node_modules', 'tsx'))).toBe(false);
    expect(node([bin, '--version'], esmApp).trim()).toBe(`aep-s3-rotator ${pkg.version}`);
    expect(node([bin, '--help'], esmApp)).toContain('check-config');
  });

  it("runs check-config from the package: the rules, then the app's own aws-cdk-lib builds the stack", () => {
    const bin = join(esmApp, 'node_modules', pkg.name, 'cli', 'aep-s3-rotator.mjs');
    const config = join(esmApp, 'rotator.json');
    const target = {
      connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
      sandboxName: 'prod',
      createRole: { bucketName: 'acme-aep-landing', bucketAccount: '123456789012' },
    };
    writeFileSync(config, JSON.stringify({ runbookUrl: 'https://wiki.example.com/runbook', targets: [target] }));

    const summary = JSON.parse(node([bin, 'check-config', '--config', config, '--json'], esmApp)) as {
      valid: boolean;
      checkedBy: string;
      warnings: unknown[];
    };

    expect(summary).toMatchObject({ valid: true, checkedBy: 'synth', warnings: [] });
  });
});
