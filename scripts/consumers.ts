/**
 * `npm run consumers:install`: pack this package and install it into the consumer apps of
 * test/consumers/ (copied to `.consumers/`), each beside the aws-cdk-lib it pins. This is the only
 * step that needs the network (the npm registry); `test/system/package/consumers.test.ts` then runs
 * the apps offline. `.ci/run` calls it before the tests.
 *
 * Each app also gets the README's example as written ("Use the construct in your own CDK app"):
 * `esm-lowest/app.ts` runs it as is, `cdk-init-jest/readme-nag.mts` with cdk-nag's packs added.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/rotator/function.js';

/** Where the apps are installed (git ignores it). */
export const CONSUMERS_DIR = join(PROJECT_ROOT, '.consumers');
/** Written last: its presence says every app is installed. */
export const INSTALLED_MARKER = join(CONSUMERS_DIR, 'installed.json');
export const CONSUMER_APPS = ['cdk-init-jest', 'esm-lowest'] as const;

/** The README's example: the first `ts` code block after its heading. */
export function readmeExample(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use the construct in your own CDK app'));
  const start = section.indexOf('```ts\n');
  const end = section.indexOf('```', start + 6);
  if (start < 0 || end < 0) throw new Error('README has no ts block under "Use the construct in your own CDK app"');
  return section.slice(start + 6, end);
}

/** The README's example with cdk-nag's AwsSolutions and Serverless packs registered on its app. */
export function readmeExampleWithNag(): string {
  const example = readmeExample();
  const appLine = 'const app = new App();\n';
  if (!example.includes(appLine))
    throw new Error(`the README example has no "${appLine.trim()}" to register cdk-nag on`);
  return (
    "import { Validations as NagValidations } from 'aws-cdk-lib';\nimport { AwsSolutionsChecks, ServerlessChecks } " +
    "from 'cdk-nag';\n" +
    example.replace(
      appLine,
      `${appLine}NagValidations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));\n`,
    )
  );
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  rmSync(CONSUMERS_DIR, { recursive: true, force: true });
  mkdirSync(CONSUMERS_DIR, { recursive: true });
  // prepack builds dist/ (the library, its types, the CLI and the function bundle) first.
  const tarball = join(
    CONSUMERS_DIR,
    run('npm', ['pack', '--pack-destination', CONSUMERS_DIR, '--silent'], PROJECT_ROOT).trim().split('\n').at(-1)!,
  );
  for (const name of CONSUMER_APPS) {
    const dir = join(CONSUMERS_DIR, name);
    cpSync(join(PROJECT_ROOT, 'test', 'consumers', name), dir, { recursive: true });
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], dir);
    console.log(`installed ${name}`);
  }
  writeFileSync(join(CONSUMERS_DIR, 'esm-lowest', 'app.ts'), readmeExample());
  writeFileSync(join(CONSUMERS_DIR, 'cdk-init-jest', 'readme-nag.mts'), readmeExampleWithNag());
  writeFileSync(INSTALLED_MARKER, `${JSON.stringify({ tarball, installedAt: new Date().toISOString() }, null, 2)}\n`);
}
