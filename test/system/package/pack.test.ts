/**
 * The construct library as another CDK app gets it: `npm pack`, install the tarball into a
 * project outside this repository (beside aws-cdk-lib and constructs, its peer dependencies), run
 * the README's "Use the construct in your own CDK app" example as written, and synthesize it
 * offline. The CLI must run from the package without tsx.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../support/index.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};

/** The README's example: the first `ts` code block after its heading. */
function readmeExample(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use the construct in your own CDK app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README has no ts block under "Use the construct in your own CDK app"');
  return block[1]!;
}

let work: string;
let consumer: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rotator-pack-'));
  // prepack builds dist/ (tsc and the function bundle) before packing.
  const tarball = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  consumer = join(work, 'consumer');
  execFileSync('mkdir', ['-p', consumer]);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }));
  // Offline where the cache allows: the tarball's dependencies are the versions this project's own `npm ci` fetched.
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      join(work, tarball),
      `aws-cdk-lib@${pkg.devDependencies['aws-cdk-lib']}`,
      `constructs@${pkg.devDependencies.constructs}`,
    ],
    { cwd: consumer, stdio: 'pipe' },
  );
  writeFileSync(join(consumer, 'app.ts'), readmeExample());
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the package', () => {
  it('ships compiled JavaScript with .d.ts, the bundled function and the CLI, and no TypeScript source', () => {
    const installed = join(consumer, 'node_modules', pkg.name);
    expect(existsSync(join(installed, 'dist', 'lib', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'lib', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'function', 'index.mjs'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'adobe-secret-rotation-function', 'index.mjs'))).toBe(true);
    expect(existsSync(join(installed, 'lambda'))).toBe(false);
    expect(existsSync(join(installed, 'lib'))).toBe(false);
    // aws-cdk-lib and constructs come from the consumer (peer dependencies), not nested copies.
    expect(existsSync(join(installed, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });

  it("synthesizes the README's example offline, deploying the function the package ships", () => {
    execFileSync(process.execPath, ['app.ts'], { cwd: consumer, env: { ...process.env, CDK_OUTDIR: join(consumer, 'cdk.out') }, stdio: 'pipe' });

    const out = join(consumer, 'cdk.out');
    const template = JSON.parse(readFileSync(join(out, 'AepIngestCredentials.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    expect(functions[0]!.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    const assets = readdirSync(out).filter((name) => name.startsWith('asset.'));
    expect(assets.some((asset) => existsSync(join(out, asset, 'index.mjs')))).toBe(true);
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')).toHaveLength(8);
  });

  it('runs the operator CLI from the package, without tsx', () => {
    expect(existsSync(join(consumer, 'node_modules', 'tsx'))).toBe(false);
    const version = execFileSync(join(consumer, 'node_modules', '.bin', 'aep-s3-rotator'), ['--version'], { cwd: consumer, encoding: 'utf8' });
    expect(version.trim()).toBe(`aep-s3-rotator ${pkg.version}`);
    const help = execFileSync(join(consumer, 'node_modules', '.bin', 'aep-s3-rotator'), ['--help'], { cwd: consumer, encoding: 'utf8' });
    expect(help).toContain('check-config');
  });
});
