/**
 * What a security review asked of the synthesized stack (issue 24), on the default configuration,
 * with every guardrail on, and with targets of every kind: data that outlives the stack (the Adobe
 * secret's deny-read policy retained with it, the ledger protected from deletion, fixed names),
 * credentials narrower still (the bucket's owner, KMS limited to the bucket), lifetimes and
 * unnarrowable targets warned about or refused. The VPC's Deny is vpc.test.ts's.
 */
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import type { RotatorStack } from '../../../lib/rotator-stack.js';
import {
  logicalIdOf as id,
  newTestStack,
  rawSampleConfig,
  removeTestOutdirs,
  synthRotatorStack,
  TEST_CONNECTION_ID as ID,
  TEST_ROLE_ARN as ROLE,
  testRotator,
  sampleGuardrails,
} from '../../support/index.js';

let template: Template;
let stack: RotatorStack;
/** Every guardrail on, and fixed names for what outlives the stack. */
let guarded: { template: Template; stack: RotatorStack };

const GUARDRAILS = {
  ...sampleGuardrails(),
  requireNarrowedCredentials: true,
  adobeSecretName: 'aep-s3-rotator/adobe-credentials',
  ledgerTableName: 'aep-s3-rotator-ledger',
};

beforeAll(() => {
  ({ template, stack } = synthRotatorStack());
  guarded = synthRotatorStack({ config: parseRotatorConfig({ ...rawSampleConfig(), ...GUARDRAILS }) });
});

afterAll(removeTestOutdirs);

const resourceOf = (of: Template, logicalId: string) => of.toJSON().Resources[logicalId] as Record<string, any>;

describe('data that outlives the stack', () => {
  it.each([
    ['the default configuration', () => ({ template, stack })],
    ['every guardrail on', () => guarded],
  ])(
    "retains the Adobe secret's deny-read policy with the secret, so a destroyed stack leaves it unreadable (%s)",
    (_name, of) => {
      const { template: synthesized, stack: built } = of();
      const [[policyId, policy]] = Object.entries(synthesized.findResources('AWS::SecretsManager::ResourcePolicy')) as [
        [string, Record<string, any>],
      ];

      expect(policy).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(policy.Properties.SecretId).toEqual({ Ref: id(built.rotator.adobeCredentialsSecret) });
      expect(policy.Properties.ResourcePolicy.Statement[0]).toMatchObject({
        Sid: 'OnlyTheRotatorAndNamedReadersMayRead',
        Effect: 'Deny',
      });
      expect(resourceOf(synthesized, id(built.rotator.adobeCredentialsSecret))).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(policyId).toMatch(/^RotatorAdobeCredentialsPolicy/);
    },
  );

  it('protects the ledger from deletion outside CloudFormation too, in every configuration', () => {
    for (const synthesized of [template, guarded.template]) {
      synthesized.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('leaves the names to CloudFormation by default, as before the props existed', () => {
    expect(resourceOf(template, id(stack.rotator.adobeCredentialsSecret)).Properties).not.toHaveProperty('Name');
    expect(resourceOf(template, id(stack.rotator.ledgerTable)).Properties).not.toHaveProperty('TableName');
  });

  it('fixes the names cdk.json gives, keeping logical ids: a moved construct then fails at deploy on the name', () => {
    expect(resourceOf(guarded.template, id(guarded.stack.rotator.adobeCredentialsSecret)).Properties.Name).toBe(
      'aep-s3-rotator/adobe-credentials',
    );
    expect(resourceOf(guarded.template, id(guarded.stack.rotator.ledgerTable)).Properties.TableName).toBe(
      'aep-s3-rotator-ledger',
    );
    expect(id(guarded.stack.rotator.adobeCredentialsSecret)).toBe(id(stack.rotator.adobeCredentialsSecret));
    expect(id(guarded.stack.rotator.ledgerTable)).toBe(id(stack.rotator.ledgerTable));
    // The function follows the fixed name too.
    guarded.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ LEDGER_TABLE_NAME: { Ref: id(guarded.stack.rotator.ledgerTable) } }),
      },
    });
  });
});

describe('narrower still', () => {
  it('passes every target of the sample its bucket owner, and warns about none', () => {
    const entries = JSON.stringify(
      resourceOf(template, id(stack.rotator.function)).Properties.Environment.Variables.ROTATION_TARGETS,
    );

    expect(entries.match(/\\"bucketAccount\\":\\"\d{12}\\"/g)).toHaveLength(3);
    expect(
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('bucketAccount|s3:ResourceAccount')),
    ).toEqual([]);
  });

  it('refuses, with requireNarrowedCredentials, a target that cannot be narrowed, naming the field and fix', () => {
    const raw = { ...rawSampleConfig(), ...GUARDRAILS };
    raw.targets.push({ connectionId: '0b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', roleArn: ROLE });

    expect(() => parseRotatorConfig(raw)).toThrow(ConfigValidationError);
    expect(() => parseRotatorConfig(raw)).toThrow(
      'targets[3].bucketName: is required while requireNarrowedCredentials is true: ' +
        'without it Adobe receives everything this role allows',
    );
  });

  it('warns at synth, with an id to acknowledge, when credentials outlive four intervals, and not at four', () => {
    const warningsOf = (schedule: scheduler.ScheduleExpression) => {
      const built = newTestStack();
      testRotator(
        {
          schedule,
          targets: [
            {
              connectionId: ID,
              sandboxName: 'prod',
              roleArn: ROLE,
              bucketName: 'acme',
              bucketAccount: '123456789012',
              duration: Duration.hours(1),
            },
          ],
          runbookUrl: 'https://wiki.example.com/rotator',
        },
        built,
      );
      return Annotations.fromStack(built)
        .findWarning('*', Match.anyValue())
        .map((warning) => String(warning.entry.data));
    };

    expect(warningsOf(scheduler.ScheduleExpression.rate(Duration.minutes(5)))).toEqual([
      'targets[0]: its credentials live 3600 s, more than 4 schedule intervals (1200 s with "rate(5 minutes)"): ' +
        'a set of them that leaked stays valid that long, and the next rotation does not revoke it; ' +
        `lower their lifetime to 1200 s or less [ack: aep-s3-rotator:long-lived-credentials:${ID}]`,
    ]);
    expect(warningsOf(scheduler.ScheduleExpression.rate(Duration.minutes(15)))).toEqual([]);
  });

  it('warns, acknowledgeably, when the expiry alarms leave the timeout no room for one more attempt', () => {
    const built = newTestStack();
    testRotator(
      {
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)),
        targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, duration: Duration.minutes(15) }],
        runbookUrl: 'https://wiki.example.com/rotator',
      },
      built,
    );
    const warnings = Annotations.fromStack(built)
      .findWarning('*', Match.stringLikeRegexp('no-retry-room'))
      .map((warning) => String(warning.entry.data));

    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`^targets\[0\]: the function's timeout is 120 s, not the 383 s that leave room .* ` +
            String.raw`\[ack: aep-s3-rotator:no-retry-room:${ID}\]$`,
        ),
      ),
    ]);
  });
});
