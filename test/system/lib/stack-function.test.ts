/**
 * The stack synthesized from the sample configuration in cdk.json, bundled once for the file: the
 * function, its bundle and its contract (environment, timeout, memory, reserved concurrency).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import {
  arnOf,
  fakeAttribute,
  findSynthesizedFunction,
  logicalIdOf as id,
  rawSampleConfig,
  refOf,
  resolveIntrinsics,
  synthRotatorStack,
  SAMPLE_CREATED_ROLE_CONNECTION as CREATED,
  SAMPLE_EXISTING_ROLE_ARN as EXISTING_ROLE,
  sampleStackPerFile,
} from '../../support/index.js';

const sample = sampleStackPerFile({ bundle: true });

describe('function', () => {
  it('is a local esbuild ESM bundle on the newest Node.js runtime, arm64', () => {
    sample.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: refOf(sample.stack.rotator.node.findChild('LogGroup')) },
    });
    const bundle = findSynthesizedFunction(sample.outdir, sample.stack.stackName);
    expect(existsSync(bundle.handlerFile)).toBe(true);
    expect(existsSync(`${bundle.handlerFile}.map`)).toBe(true);
  });

  it('has a timeout sized to 3 targets (30 s + 45 s a batch of 8, room for one more attempt), concurrency 1', () => {
    // 75 + 130 + (45 + 130) + 3: core/rotation-rules.ts, functionTimeout.
    sample.template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 383, ReservedConcurrentExecutions: 1 });
  });

  it('has 1769 MB of memory by default, one full vCPU', () => {
    sample.template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769 });
  });

  it('takes the memory size configured in cdk.json', () => {
    const raw = rawSampleConfig();
    raw.memorySize = 1024;
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) }).template;
    configured.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 383 });
  });

  it('reserves no concurrency when cdk.json says reserveConcurrency: false', () => {
    const raw = rawSampleConfig();
    raw.reserveConcurrency = false;
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) }).template;
    const [fn] = Object.values(
      configured.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
    );
    expect((fn as { Properties: Record<string, unknown> }).Properties).not.toHaveProperty(
      'ReservedConcurrentExecutions',
    );
  });

  it('retries a failed asynchronous run twice, then sends it to the failure dead-letter queue', () => {
    sample.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: refOf(sample.stack.rotator.function),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 900,
      DestinationConfig: { OnFailure: { Destination: arnOf(sample.stack.rotator.failureDeadLetterQueue) } },
    });
  });

  it('keeps its logs for the configured 90 days', () => {
    sample.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('gets exactly the environment of the rotation-engine contract', () => {
    const { environment } = findSynthesizedFunction(sample.outdir, sample.stack.stackName);
    const secret = sample.stack.rotator.adobeCredentialsSecret;
    expect(Object.keys(environment).sort()).toEqual(
      [
        'ADOBE_CREDENTIALS_SECRET_ID',
        'ROTATION_TARGETS',
        'FLOW_SERVICE_URL',
        'ADOBE_IMS_URL',
        'ROTATION_CONCURRENCY',
        'LEDGER_TABLE_NAME',
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'NODE_OPTIONS',
      ].sort(),
    );
    expect(environment).toMatchObject({
      ADOBE_CREDENTIALS_SECRET_ID: refOf(secret),
      FLOW_SERVICE_URL: 'https://platform.adobe.io/data/foundation/flowservice',
      ADOBE_IMS_URL: 'https://ims-na1.adobelogin.com',
      ROTATION_CONCURRENCY: '8',
      LEDGER_TABLE_NAME: refOf(sample.stack.rotator.ledgerTable),
      POWERTOOLS_SERVICE_NAME: 'aep-s3-credential-rotator',
      POWERTOOLS_METRICS_NAMESPACE: 'AepS3CredentialRotator',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it("passes the targets in a form the function's own config loader accepts", () => {
    const { environment } = findSynthesizedFunction(sample.outdir, sample.stack.stackName);
    const env = resolveIntrinsics(environment, fakeAttribute) as Record<string, string>;
    const createdRoleArn = `arn:aws:iam::111122223333:role/${id(sample.stack.rotator.createdRoles.get(CREATED)!)}`;

    const config = loadConfig({ env });

    expect(config.targets).toEqual([
      // Every target narrowed: the created role's to its own bucket and folder.
      {
        connectionId: CREATED,
        sandboxName: 'prod',
        method: 'assume-role-chained',
        roleArn: createdRoleArn,
        externalId: 'aep-acme-prod-crm',
        userCredentialsSecretId: undefined,
        durationSeconds: 3600,
        bucketName: 'acme-aep-landing',
        folderPath: 'crm/daily',
        bucketAccount: '123456789012',
      },
      {
        connectionId: '9e0f2c1a-7b3d-4e5f-8a6b-1c2d3e4f5a6b',
        sandboxName: 'prod',
        method: 'assume-role-chained',
        roleArn: EXISTING_ROLE,
        externalId: 'aep-acme-prod-web',
        userCredentialsSecretId: undefined,
        durationSeconds: 3600,
        bucketName: 'acme-web-events',
        folderPath: 'aep',
        bucketAccount: '123456789012',
      },
      {
        connectionId: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
        sandboxName: 'dev',
        method: 'get-federation-token',
        roleArn: undefined,
        externalId: undefined,
        userCredentialsSecretId: 'aep-s3-rotator/dev-ingest-user',
        durationSeconds: 3600,
        bucketName: 'acme-dev-ingest',
        bucketAccount: '210987654321',
      },
    ]);
    expect(config.targets[2]).not.toHaveProperty('folderPath');
    expect(config).toMatchObject({
      concurrency: 8,
      flowServiceUrl: 'https://platform.adobe.io/data/foundation/flowservice',
      imsUrl: 'https://ims-na1.adobelogin.com',
    });
  });
});
