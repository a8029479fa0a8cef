/**
 * Helpers for the infrastructure tests: the sample configuration from cdk.json, a synthesized
 * stack (bundled or not), and {@link findSynthesizedFunction}, which locates the very bundle
 * `cdk deploy` would upload (for tests that run the artifact itself).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll } from 'vitest';
import { CONFIG_CONTEXT_KEY, parseRotatorConfig, type RotatorConfig } from '../../lib/config/config.js';
import { RotatorStack } from '../../lib/rotator-stack.js';
import type { TargetsDelivery } from '../../lib/s3-credential-rotator.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Cloud assemblies written by this test file; {@link removeTestOutdirs} deletes them. */
let tempRoot: string | undefined;

/** A new directory for a cloud assembly (the stacks of a test). */
export function testOutdir(): string {
  tempRoot ??= mkdtempSync(join(tmpdir(), 'rotator-cdk-test-'));
  return mkdtempSync(join(tempRoot, 'cdk.out-'));
}

/** Call in `afterAll` of every file that synthesizes without its own outdir. */
export function removeTestOutdirs(): void {
  if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
  tempRoot = undefined;
}

/** A fresh copy of the `rotator` object committed in cdk.json. */
export function rawSampleConfig(): Record<string, unknown> & { targets: Record<string, unknown>[] } {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return structuredClone(cdkJson.context[CONFIG_CONTEXT_KEY]) as Record<string, unknown> & {
    targets: Record<string, unknown>[];
  };
}

/**
 * Every guardrail cdk.json has, on, in a pinned account and region: spread over {@link rawSampleConfig}
 * (a fresh copy each call).
 */
export function sampleGuardrails() {
  return {
    account: '123456789012',
    region: 'eu-west-1',
    permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/aep-boundary',
    tags: { 'cost-center': '4711' },
    encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
    secretReaders: ['arn:aws:iam::123456789012:role/aep-ops'],
  };
}

export function sampleConfig(): RotatorConfig {
  return parseRotatorConfig(rawSampleConfig());
}

export interface SynthOptions {
  /** @default the cdk.json sample */
  readonly config?: RotatorConfig;
  /** Run esbuild (slow-ish, about a second); otherwise CDK skips bundling. @default false */
  readonly bundle?: boolean;
  /** Register cdk-nag's AwsSolutions and Serverless checks as bin/app.ts does. @default false */
  readonly nag?: boolean;
  readonly targetsDelivery?: TargetsDelivery;
  /** @default {@link testOutdir} */
  readonly outdir?: string;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: RotatorStack;
  readonly template: Template;
  readonly outdir: string;
}

/** Build the stack the way bin/app.ts does and synthesize the whole app. */
export function synthRotatorStack(options: SynthOptions = {}): Synthesized {
  const config = options.config ?? sampleConfig();
  const outdir = options.outdir ?? testOutdir();
  // `aws:cdk:bundling-stacks: []` is how the CLI skips bundling (`cdk synth --exclusively` of other stacks).
  const app = new App({ outdir, context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const stack = new RotatorStack(app, config.stackName, {
    config,
    targetsDelivery: options.targetsDelivery,
    env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
  });
  app.synth();
  return { app, stack, template: Template.fromStack(stack), outdir };
}

/** The connection of the sample's target whose role the stack creates (cdk.json). */
export const SAMPLE_CREATED_ROLE_CONNECTION = '4cb0c374-d3bb-4557-b139-5712880adc55';
/** The existing role the sample's second target names (cdk.json). */
export const SAMPLE_EXISTING_ROLE_ARN = 'arn:aws:iam::123456789012:role/aep-web-events-reader';

/**
 * The cdk.json sample of a test file: synthesized once before its tests (`beforeAll`), its cloud
 * assembly removed after them (`afterAll`). Read the fields inside tests and hooks: they throw
 * before the synth.
 */
export function sampleStackPerFile(options: Pick<SynthOptions, 'bundle'> = {}): Synthesized {
  let synthesized: Synthesized | undefined;
  beforeAll(() => {
    synthesized = synthRotatorStack(options);
  });
  afterAll(removeTestOutdirs);
  const ready = (): Synthesized => {
    if (!synthesized) throw new Error('the sample stack is synthesized in beforeAll: read it in a test or a hook');
    return synthesized;
  };
  return {
    get app() {
      return ready().app;
    },
    get stack() {
      return ready().stack;
    },
    get template() {
      return ready().template;
    },
    get outdir() {
      return ready().outdir;
    },
  };
}

/** The synthesized rotation function, as `cdk deploy` would upload and configure it. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  /** The asset directory (the zip's content). */
  readonly assetDir: string;
  /** The bundled handler: `import(handlerFile)` gives `{ handler }`. */
  readonly handlerFile: string;
  /** `Environment.Variables` as in the template (values may be CloudFormation intrinsics). */
  readonly environment: Record<string, unknown>;
}

/**
 * Locate the rotation function's bundle in a cloud assembly (`cdk.out` after `npx cdk synth`,
 * or the `outdir` of {@link synthRotatorStack} with `bundle: true`): template → the function's
 * `Code.S3Key` (`<hash>.zip`) → `<stack>.assets.json` → `asset.<hash>/index.mjs`.
 */
export function findSynthesizedFunction(
  cdkOut = join(PROJECT_ROOT, 'cdk.out'),
  stackName = sampleConfig().stackName,
  /**
   * The variable only this function's environment has (the Adobe secret's rotation function: `ADOBE_CONSOLE_API_URL`).
   */
  variable = 'ADOBE_CREDENTIALS_SECRET_ID',
  /**
   * A variable this function's environment does not have (the rotator's `ADOBE_CREDENTIALS_SECRET_ID`, which may share
   * the other).
   */
  without?: string,
): SynthesizedFunction {
  const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templateFile = manifest.artifacts[stackName]?.properties?.templateFile;
  if (!templateFile) throw new Error(`${cdkOut}/manifest.json has no stack ${stackName}`);
  const template = JSON.parse(readFileSync(join(cdkOut, templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };
  const functions = Object.entries(template.Resources).filter(
    ([, resource]) =>
      resource.Type === 'AWS::Lambda::Function' &&
      resource.Properties.Environment?.Variables?.[variable] !== undefined &&
      (without === undefined || resource.Properties.Environment.Variables[without] === undefined),
  );
  if (functions.length !== 1)
    throw new Error(`expected one function with ${variable} in ${templateFile}, found ${functions.length}`);
  const [logicalId, resource] = functions[0]!;
  const hash = String(resource.Properties.Code.S3Key).replace(/\.zip$/, '');
  const assets = JSON.parse(readFileSync(join(cdkOut, `${stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const asset = assets.files[hash];
  if (!asset) throw new Error(`no asset ${hash} in ${stackName}.assets.json (was bundling skipped?)`);
  const assetDir = join(cdkOut, asset.source.path);
  return {
    logicalId,
    assetDir,
    handlerFile: join(assetDir, 'index.mjs'),
    environment: resource.Properties.Environment.Variables,
  };
}

/**
 * Evaluate CloudFormation intrinsics in a template value the way a deployment would, with
 * `Ref` and `Fn::GetAtt` answered by `attribute(logicalId, attributeName?)`.
 */
export function resolveIntrinsics(
  value: unknown,
  attribute: (logicalId: string, attributeName?: string) => string,
): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, attribute));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return attribute(String(object.Ref));
  if ('Fn::GetAtt' in object) {
    const [logicalId, name] = object['Fn::GetAtt'] as [string, string];
    return attribute(logicalId, name);
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveIntrinsics(part, attribute)).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolveIntrinsics(item, attribute)]));
}

/** Fake deploy-time values: pseudo parameters and ARNs named after logical ids. */
export function fakeAttribute(logicalId: string, attributeName?: string): string {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': '111122223333',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (pseudo[logicalId]) return pseudo[logicalId];
  if (attributeName === 'Arn' && /Role/.test(logicalId)) return `arn:aws:iam::111122223333:role/${logicalId}`;
  if (/Secret|Credentials/.test(logicalId))
    return `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${logicalId}-AbCdEf`;
  return attributeName ? `${logicalId}.${attributeName}` : logicalId;
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}
/** The properties of a construct's resource in `template`. */
export const propertiesOf = (template: Template, construct: IConstruct) =>
  template.toJSON().Resources[logicalIdOf(construct)].Properties as Record<string, any>;
/** `Fn::GetAtt` of a construct's resource ARN, as a template writes it. */
export const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });
/** `Ref` of a construct's resource, as a template writes it. */
export const refOf = (construct: IConstruct) => ({ Ref: logicalIdOf(construct) });
/** An ARN in the stack's partition, as a template writes it. */
export const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
