/**
 * The construct narrows what Adobe receives: session policies from a target's bucket and folder,
 * a created role's own, and a warning at synth for each target left wider.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Annotations as CdkAnnotations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { TargetsDelivery } from '../../../lib/s3-credential-rotator.js';
import {
  importedUserSecret as userSecret,
  manyTargets,
  newTestStack as newStack,
  removeTestOutdirs,
  TEST_CONNECTION_ID as ID,
  TEST_ROLE_ARN as ROLE,
  testRotator as rotator,
  testTarget as target,
} from '../../support/index.js';

afterAll(removeTestOutdirs);

describe('S3CredentialRotator narrowing', () => {
  it('passes each target’s bucket and folder (normalized), a created role’s, method only if federated', () => {
    const stack = newStack();
    rotator(
      {
        targets: [
          target({ roleArn: ROLE, bucketName: 'acme-landing', folderPath: '/crm/daily/' }),
          {
            connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            userCredentialsSecret: userSecret(stack),
            method: 'get-federation-token',
            bucketName: 'acme-dev',
          },
          {
            connectionId: '6cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            roleArn: ROLE,
            method: 'assume-role',
          },
        ],
      },
      stack,
    );

    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0]!.Properties
      .Environment.Variables as Record<string, string>;
    const config = loadConfig({ env: { ...deployedEnv(variables), ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe' } });
    expect(config.targets).toEqual([
      expect.objectContaining({ method: 'assume-role-chained', bucketName: 'acme-landing', folderPath: 'crm/daily' }),
      expect.objectContaining({
        method: 'get-federation-token',
        bucketName: 'acme-dev',
        userCredentialsSecretId: 'aep/user',
      }),
      expect.objectContaining({ method: 'assume-role-chained' }),
    ]);
    const entries = JSON.parse(variables.ROTATION_TARGETS!) as Array<Record<string, unknown>>;
    expect(entries.map((entry) => entry.method)).toEqual([undefined, 'get-federation-token', undefined]);
    expect(entries[2]).not.toHaveProperty('bucketName');
  });

  it('narrows a created role’s sessions to its bucket and folder', () => {
    const stack = newStack({ env: { account: '123456789012', region: 'eu-west-1' } });
    rotator(
      {
        targetsDelivery: TargetsDelivery.FILE,
        targets: [target({ createRole: { bucketName: 'acme', folderPath: 'crm/daily/', roleName: 'aep-reader' } })],
      },
      stack,
    );

    const folder = join((stack.node.root as App).outdir, 'rotator-targets');
    const written = readdirSync(folder);
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(folder, written[0]!), 'utf8'))).toEqual([
      {
        connectionId: ID,
        sandboxName: 'prod',
        roleArn: 'arn:aws:iam::123456789012:role/aep-reader',
        durationSeconds: 3600,
        bucketName: 'acme',
        folderPath: 'crm/daily',
      },
    ]);
  });

  it('needs no permission of the function’s role for GetFederationToken: the IAM user’s keys sign it', () => {
    const stack = newStack();
    rotator(
      {
        targets: [
          target({ userCredentialsSecret: userSecret(stack), method: 'get-federation-token', bucketName: 'acme' }),
        ],
      },
      stack,
    );

    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>,
    );
    expect(
      statements
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => String(action).startsWith('sts:')),
    ).toEqual([]);
  });

  it('warns at synth, per target, when Adobe would receive more than its bucket, and not otherwise', () => {
    const stack = newStack();
    rotator(
      {
        targets: [
          target({ roleArn: ROLE }),
          {
            connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            userCredentialsSecret: userSecret(stack),
          },
          {
            connectionId: '6cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            roleArn: ROLE,
            bucketName: 'acme',
            bucketAccount: '123456789012',
          },
          {
            connectionId: '7cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            createRole: { bucketName: 'acme', bucketAccount: '123456789012' },
          },
        ],
        runbookUrl: 'https://wiki.example.com/rotator',
      },
      stack,
    );

    const warnings = Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((warning) => String(warning.entry.data));
    expect(warnings).toEqual([
      `targets[0]: connection ${ID}: Adobe receives everything this role allows; add bucketName (and folderPath) ` +
        `so its credentials are narrowed to what Adobe reads [ack: aep-s3-rotator:unnarrowed-credentials:${ID}]`,
      'targets[1]: connection 5cb0c374-d3bb-4557-b139-5712880adc55: GetSessionToken credentials cannot be ' +
        'narrowed, so Adobe receives everything this IAM user allows; use "method": "get-federation-token" with ' +
        'bucketName (and folderPath): the same keys, narrowed to what Adobe reads [ack: ' +
        'aep-s3-rotator:unnarrowed-credentials:5cb0c374-d3bb-4557-b139-5712880adc55]',
    ]);
  });

  it('lets a construct user acknowledge the warning of one target by its connection id', () => {
    const stack = newStack();
    const construct = rotator({ targets: [target({ roleArn: ROLE })] }, stack);

    CdkAnnotations.of(construct).acknowledgeWarning(
      `aep-s3-rotator:unnarrowed-credentials:${ID}`,
      'the role is ours and reads only the landing bucket',
    );

    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  it('keeps in the environment a list that fitted before created roles were narrowed, minus what repeats them', () => {
    // 10 created roles without roleName: a bundled file is impossible (their ARNs are known only at deploy).
    const targets = manyTargets(10, {
      createRole: { bucketName: 'acme-aep-landing-bucket-0123456789', folderPath: 'exports/crm/daily' },
    });
    const stack = newStack();

    const construct = rotator({ targets }, stack);

    expect(construct.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0]!.Properties
      .Environment.Variables as Record<string, unknown>;
    expect(JSON.stringify(variables.ROTATION_TARGETS)).not.toContain('bucketName');
    // A shorter list keeps the created roles' narrowing.
    const short = newStack();
    rotator({ targets: targets.slice(0, 3) }, short);
    const shortVariables = Object.values(Template.fromStack(short).findResources('AWS::Lambda::Function'))[0]!
      .Properties.Environment.Variables as Record<string, unknown>;
    expect(JSON.stringify(shortVariables.ROTATION_TARGETS)).toContain(
      '\\"bucketName\\":\\"acme-aep-landing-bucket-0123456789\\",\\"folderPath\\":\\"exports/crm/daily\\"',
    );
  });
});

/**
 * The function's environment as a deploy resolves it: CloudFormation references (the ledger table's name) become their
 * values.
 */
function deployedEnv(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : `resolved-${name.toLowerCase()}`,
    ]),
  );
}
